import { type Kysely, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import { prepared } from "../prepared.js";
import type { Database, ModelProvidersTable, ModelSettingsTable } from "../schema.js";

export type ProviderKind = "openai" | "anthropic";

/** A model provider of a workspace: where model calls for its models go, with which secret. */
export interface ModelProviderRecord {
  workspaceId: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  /** the name of the workspace secret holding the provider's API key (never the key itself) */
  apiKeySecret: string;
  models: string[];
  updatedAt: string;
}

/** Input and output price of a model in US dollars per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** A workspace's model settings: its own prices (over the shipped examples) and spend caps. */
export interface ModelSettingsRecord {
  workspaceId: string;
  prices: Record<string, ModelPrice>;
  dailyUsd: number | null;
  monthlyUsd: number | null;
  updatedAt: string;
}

const toProvider = (r: ModelProvidersTable): ModelProviderRecord => ({
  workspaceId: r.workspace_id,
  name: r.name,
  kind: r.kind as ProviderKind,
  baseUrl: r.base_url,
  apiKeySecret: r.api_key_secret,
  models: fromJson(r.models, []),
  updatedAt: r.updated_at,
});

/** Model providers, prices and spend caps per workspace, and the workspace's spend per period. */
export class ModelConfigRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async putProvider(p: Omit<ModelProviderRecord, "workspaceId"> & { workspaceId: string }): Promise<void> {
    const row = {
      tenant_id: this.tenantId,
      workspace_id: p.workspaceId,
      name: p.name,
      kind: p.kind,
      base_url: p.baseUrl,
      api_key_secret: p.apiKeySecret,
      models: toJson(p.models),
      updated_at: p.updatedAt,
    };
    await this.db
      .insertInto("model_providers")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["tenant_id", "workspace_id", "name"]).doUpdateSet({
          kind: row.kind,
          base_url: row.base_url,
          api_key_secret: row.api_key_secret,
          models: row.models,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async providers(workspaceId: string): Promise<ModelProviderRecord[]> {
    const r = await prepared<ModelProvidersTable>(
      this.db,
      "modelConfig.providers",
      [this.tenantId, workspaceId],
      (db, [t, w]) =>
        db
          .selectFrom("model_providers")
          .selectAll()
          .where("tenant_id", "=", t)
          .where("workspace_id", "=", w)
          .orderBy("name"),
    );
    return r.rows.map(toProvider);
  }

  async deleteProvider(workspaceId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("model_providers")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async settings(workspaceId: string): Promise<ModelSettingsRecord | undefined> {
    const found = await prepared<ModelSettingsTable>(
      this.db,
      "modelConfig.settings",
      [this.tenantId, workspaceId],
      (db, [t, w]) =>
        db.selectFrom("model_settings").selectAll().where("tenant_id", "=", t).where("workspace_id", "=", w),
    );
    const r = found.rows[0];
    return (
      r && {
        workspaceId: r.workspace_id,
        prices: fromJson(r.prices, {}),
        dailyUsd: r.daily_usd === null ? null : Number(r.daily_usd),
        monthlyUsd: r.monthly_usd === null ? null : Number(r.monthly_usd),
        updatedAt: r.updated_at,
      }
    );
  }

  async putSettings(s: ModelSettingsRecord): Promise<void> {
    const row = {
      tenant_id: this.tenantId,
      workspace_id: s.workspaceId,
      prices: toJson(s.prices),
      daily_usd: s.dailyUsd,
      monthly_usd: s.monthlyUsd,
      updated_at: s.updatedAt,
    };
    await this.db
      .insertInto("model_settings")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["tenant_id", "workspace_id"]).doUpdateSet({
          prices: row.prices,
          daily_usd: row.daily_usd,
          monthly_usd: row.monthly_usd,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  /**
   * Adds `usd` to the workspace's spend of each period ("2026-01-31", "2026-01") in one
   * conditional upsert, so replicas cannot race past a cap: a period's row is created with `usd`,
   * or `usd` is added to it only where the sum stays within the period's cap (null: none). A
   * negative amount (a settlement below the reservation) always applies. Returns the first period
   * whose cap the amount would pass, or undefined when every period took it; on a refusal the
   * other periods may have taken it, so the caller rolls its transaction back.
   */
  async reserveSpend(
    workspaceId: string,
    usd: number,
    periods: readonly { period: string; cap: number | null }[],
  ): Promise<string | undefined> {
    // a hair of tolerance so a reservation that fits exactly is not lost to float rounding
    const limits = periods.map((p) => (p.cap === null || usd <= 0 ? Number.MAX_VALUE : p.cap + 1e-9));
    // a period's first reservation is the whole sum: refused here when it alone passes the cap
    const over = periods.find((_, i) => usd > (limits[i] as number));
    if (over) return over.period;
    const capped = usd > 0 && periods.some((p) => p.cap !== null);
    const n = periods.length;
    const values = [this.tenantId, workspaceId, usd, ...periods.map((p) => p.period), ...(capped ? limits : [])];
    const r = await prepared<{ period: string }>(
      this.db,
      `modelConfig.reserveSpend:${n}:${capped}`,
      values,
      (db, v) => {
        const rows = Array.from({ length: n }, (_, i) => ({
          tenant_id: v[0],
          workspace_id: v[1],
          period: v[3 + i],
          cost_usd: v[2],
        }));
        return db
          .insertInto("workspace_spend")
          .values(rows)
          .onConflict((oc) => {
            const add = oc
              .columns(["tenant_id", "workspace_id", "period"])
              .doUpdateSet({ cost_usd: sql`workspace_spend.cost_usd + excluded.cost_usd` });
            if (!capped) return add;
            // each period's cap, chosen by the row's period (a CASE's parameters are untyped: cast)
            const capOf = sql.join(
              rows.map(
                (_, i) => sql`when excluded.period = ${v[3 + i]} then cast(${v[3 + n + i]} as double precision)`,
              ),
              sql` `,
            );
            return add.where(sql<boolean>`workspace_spend.cost_usd + excluded.cost_usd <= case ${capOf} end`);
          })
          .returning("period");
      },
    );
    const taken = new Set(r.rows.map((row) => row.period));
    return periods.find((p) => !taken.has(p.period))?.period;
  }

  async spend(workspaceId: string, period: string): Promise<number> {
    const r = await this.db
      .selectFrom("workspace_spend")
      .select("cost_usd")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("period", "=", period)
      .executeTakeFirst();
    return r ? Number(r.cost_usd) : 0;
  }
}
