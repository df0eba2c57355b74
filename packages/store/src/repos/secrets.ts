import type { Kysely } from "kysely";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";

/** Holds ciphertext only; sealing and opening happen in the server's vault. */
export class SecretsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async put(workspaceId: string, name: string, ciphertext: string, now: string): Promise<void> {
    await this.db
      .insertInto("secrets")
      .values({ tenant_id: this.tenantId, workspace_id: workspaceId, name, ciphertext, updated_at: now })
      .onConflict((oc) =>
        oc.columns(["tenant_id", "workspace_id", "name"]).doUpdateSet({ ciphertext, updated_at: now }),
      )
      .execute();
  }

  async get(workspaceId: string, name: string): Promise<string | undefined> {
    const r = await prepared<{ ciphertext: string }>(
      this.db,
      "secrets.get",
      [this.tenantId, workspaceId, name],
      (db, [t, w, n]) =>
        db
          .selectFrom("secrets")
          .select("ciphertext")
          .where("tenant_id", "=", t)
          .where("workspace_id", "=", w)
          .where("name", "=", n),
    );
    return r.rows[0]?.ciphertext;
  }

  async list(workspaceId: string): Promise<{ name: string; ciphertext: string; updatedAt: string }[]> {
    const rows = await this.db
      .selectFrom("secrets")
      .select(["name", "ciphertext", "updated_at"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({ name: r.name, ciphertext: r.ciphertext, updatedAt: r.updated_at }));
  }

  async delete(workspaceId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("secrets")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
