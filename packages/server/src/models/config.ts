import { examplePrices, type ModelPrice, priceFor, TollgateError } from "@tollgate/core";
import type { ModelProviderRecord, ModelSettingsRecord, Notifications, ProviderKind, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import { NoticedCache } from "../identity/noticed-cache.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import type { ModelApi } from "./wire.js";

export interface ProviderInput {
  kind: ProviderKind;
  baseUrl: string;
  apiKeySecret: string;
  models: string[];
}

export interface SpendCaps {
  dailyUsd: number | null;
  monthlyUsd: number | null;
}

/** Where one model call goes, at which price, with which key. */
export interface ResolvedModel {
  provider: ModelProviderRecord;
  price: ModelPrice;
  apiKey: string;
  settings: SpendCaps;
}

/** how long a workspace's providers and settings read for a model call are reused; a change in any process ends it at once */
export const defaultModelConfigCacheMs = 5_000;
const maxCachedWorkspaces = 1_000;
const modelConfigChangesChannel = "tollgate_model_config_changes";

interface WorkspaceModelConfig {
  providers: ModelProviderRecord[];
  settings: ModelSettingsRecord | undefined;
}

/**
 * Model providers, prices and spend caps of a workspace (admin). The provider's API key is a
 * workspace secret named here and read from the vault at call time; it is never stored or shown
 * by this service.
 */
export class ModelConfigService {
  /** each workspace's providers and settings as the proxy last read them (two queries a call saved) */
  private readonly cached: NoticedCache<WorkspaceModelConfig>;

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
    cacheMs = defaultModelConfigCacheMs,
  ) {
    this.cached = new NoticedCache({
      ttlMs: cacheMs,
      maxEntries: maxCachedWorkspaces,
      channel: modelConfigChangesChannel,
    });
  }

  /**
   * A provider, price or spend cap changed in one process is dropped from every process's cache
   * (PostgreSQL NOTIFY/LISTEN); a process that missed the message reads it again within `cacheMs`.
   */
  connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    return this.cached.connect(notifications, onError);
  }

  /** A deleted tenant's providers and settings, dropped here and in every replica. */
  forget(tenantId: string): void {
    this.cached.changed(`${tenantId}/*`);
  }

  async putProvider(p: Principal, workspaceId: string, name: string, input: ProviderInput) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    if ((await this.vault.getSecret(tenantId, workspaceId, input.apiKeySecret)) === undefined)
      throw new TollgateError(
        "invalid_request",
        `secret ${input.apiKeySecret} is not set in workspace ${workspaceId} (PUT /v1/workspaces/${workspaceId}/secrets/${input.apiKeySecret} first)`,
      );
    const others = (await this.store.scope(tenantId).modelConfig.providers(workspaceId)).filter((o) => o.name !== name);
    for (const model of input.models) {
      const owner = others.find((o) => o.models.includes(model));
      if (owner)
        throw new TollgateError("conflict", `model ${model} is already served by provider ${owner.name}`, {
          model,
          provider: owner.name,
        });
    }
    const now = iso(this.clock);
    const record = { workspaceId, name, ...input, models: [...new Set(input.models)], updatedAt: now };
    await this.store.transaction(tenantId, async (s) => {
      await s.modelConfig.putProvider(record);
      await s.audit.append(
        [
          {
            type: "model_provider.set",
            workspace: workspaceId,
            actor: p.keyId,
            data: {
              name,
              kind: input.kind,
              baseUrl: input.baseUrl,
              apiKeySecret: input.apiKeySecret,
              models: record.models,
            },
          },
        ],
        now,
      );
    });
    this.cached.changed(configKey(tenantId, workspaceId));
    return providerView(record);
  }

  async listProviders(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    return { items: (await this.store.scope(tenantId).modelConfig.providers(workspaceId)).map(providerView) };
  }

  async deleteProvider(p: Principal, workspaceId: string, name: string): Promise<void> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const now = iso(this.clock);
    const deleted = await this.store.transaction(tenantId, async (s) => {
      if (!(await s.modelConfig.deleteProvider(workspaceId, name))) return false;
      await s.audit.append(
        [{ type: "model_provider.deleted", workspace: workspaceId, actor: p.keyId, data: { name } }],
        now,
      );
      return true;
    });
    if (!deleted) throw new TollgateError("not_found", `no model provider ${name} in workspace ${workspaceId}`);
    this.cached.changed(configKey(tenantId, workspaceId));
  }

  /** The workspace's own prices replace the whole of its table; the shipped examples stay underneath. */
  async putPrices(p: Principal, workspaceId: string, prices: Record<string, ModelPrice>) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    await this.updateSettings(p, tenantId, workspaceId, (cur) => ({ ...cur, prices }), "model_prices.set", {
      models: Object.keys(prices),
    });
    return this.prices(p, workspaceId);
  }

  async prices(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const own = (await this.store.scope(tenantId).modelConfig.settings(workspaceId))?.prices ?? {};
    return { workspace: own, examples: examplePrices, effective: { ...examplePrices, ...own } };
  }

  async putSpendCaps(p: Principal, workspaceId: string, caps: SpendCaps) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    await this.updateSettings(p, tenantId, workspaceId, (cur) => ({ ...cur, ...caps }), "spend_caps.set", { ...caps });
    return this.spendCaps(p, workspaceId);
  }

  async spendCaps(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const s = await this.store.scope(tenantId).modelConfig.settings(workspaceId);
    return { dailyUsd: s?.dailyUsd ?? null, monthlyUsd: s?.monthlyUsd ?? null };
  }

  /**
   * The proxy's lookup: the provider whose models list `model` and that speaks `api`, its price
   * (workspace table over the shipped examples) and its key. Each refusal names what is missing.
   */
  async resolve(tenantId: string, workspaceId: string, model: string, api: ModelApi): Promise<ResolvedModel> {
    const { providers, settings } = await this.workspaceConfig(tenantId, workspaceId);
    const provider = providers.find((x) => x.models.includes(model));
    if (!provider)
      throw new TollgateError(
        "model_not_allowed",
        `model ${model} is not allowed in workspace ${workspaceId}: no model provider lists it${
          providers.length > 0 ? ` (allowed: ${providers.flatMap((x) => x.models).join(", ")})` : ""
        }`,
        { model, reason: "not_listed" },
      );
    if (provider.kind !== api)
      throw new TollgateError(
        "model_not_allowed",
        `model ${model} is served by provider ${provider.name}, which speaks the ${provider.kind} API; call it at /${provider.kind === "openai" ? "openai/chat/completions" : "anthropic/v1/messages"}`,
        { model, reason: "wrong_api", provider: provider.name },
      );
    const price = priceFor({ ...examplePrices, ...settings?.prices }, model);
    if (!price)
      throw new TollgateError(
        "model_not_allowed",
        `model ${model} has no price, so its cost cannot be bounded; set one with PUT /v1/workspaces/${workspaceId}/prices`,
        { model, reason: "no_price" },
      );
    const apiKey = await this.vault.getSecret(tenantId, workspaceId, provider.apiKeySecret);
    if (apiKey === undefined)
      throw new TollgateError(
        "credentials_unavailable",
        `secret ${provider.apiKeySecret} of model provider ${provider.name} is not set in workspace ${workspaceId}`,
      );
    return {
      provider,
      price,
      apiKey,
      settings: { dailyUsd: settings?.dailyUsd ?? null, monthlyUsd: settings?.monthlyUsd ?? null },
    };
  }

  /** A workspace's providers and settings, from the cache while fresh. */
  private async workspaceConfig(tenantId: string, workspaceId: string): Promise<WorkspaceModelConfig> {
    const read = await this.cached.read(configKey(tenantId, workspaceId), async () => {
      const scope = this.store.scope(tenantId);
      const [providers, settings] = await Promise.all([
        scope.modelConfig.providers(workspaceId),
        scope.modelConfig.settings(workspaceId),
      ]);
      return { providers, settings };
    });
    return read ?? { providers: [], settings: undefined };
  }

  private async updateSettings(
    p: Principal,
    tenantId: string,
    workspaceId: string,
    change: (cur: ModelSettingsRecord) => ModelSettingsRecord,
    event: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      const cur = (await s.modelConfig.settings(workspaceId)) ?? {
        workspaceId,
        prices: {},
        dailyUsd: null,
        monthlyUsd: null,
        updatedAt: now,
      };
      await s.modelConfig.putSettings({ ...change(cur), updatedAt: now });
      await s.audit.append([{ type: event, workspace: workspaceId, actor: p.keyId, data }], now);
    });
    this.cached.changed(configKey(tenantId, workspaceId));
  }
}

function providerView(r: ModelProviderRecord) {
  return {
    name: r.name,
    kind: r.kind,
    baseUrl: r.baseUrl,
    apiKeySecret: r.apiKeySecret,
    models: r.models,
    updatedAt: r.updatedAt,
  };
}

const configKey = (tenantId: string, workspaceId: string) => `${tenantId}/${workspaceId}`;
