import type { Kysely } from "kysely";
import type { ApiKeyRecord } from "../records.js";
import type { ApiKeysTable, Database } from "../schema.js";

export const toKeyRecord = (r: ApiKeysTable): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  name: r.name,
  role: r.role,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at ?? null,
  replacedBy: r.replaced_by ?? null,
});

export type NewApiKey = Omit<ApiKeyRecord, "tenantId" | "revokedAt" | "lastUsedAt">;

export class KeysRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async create(k: NewApiKey): Promise<ApiKeyRecord> {
    const row: ApiKeysTable = {
      id: k.id,
      tenant_id: this.tenantId,
      workspace_id: k.workspaceId,
      name: k.name,
      role: k.role,
      secret_hash: k.secretHash,
      created_at: k.createdAt,
      created_by: k.createdBy,
      revoked_at: null,
      last_used_at: null,
    };
    await this.db.insertInto("api_keys").values(row).execute();
    return toKeyRecord(row);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toKeyRecord(r);
  }

  async list(workspaceId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at")
      .execute();
    return rows.map(toKeyRecord);
  }

  /** Rotation: the old key keeps working until `expiresAt`; false when it was revoked or rotated already. */
  async retire(id: string, replacedBy: string, expiresAt: string): Promise<boolean> {
    const r = await this.db
      .updateTable("api_keys")
      .set({ expires_at: expiresAt, replaced_by: replacedBy })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .where("replaced_by", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Returns false when the key was not found or already revoked. */
  async revoke(id: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
