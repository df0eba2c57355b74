import type { Kysely } from "kysely";
import type { WorkspaceRecord } from "../records.js";
import type { Database, WorkspacesTable } from "../schema.js";

const toRecord = (r: WorkspacesTable): WorkspaceRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  createdAt: r.created_at,
});

export class WorkspacesRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async create(id: string, name: string | null, now: string): Promise<WorkspaceRecord> {
    const row = { id, tenant_id: this.tenantId, name, created_at: now };
    await this.db.insertInto("workspaces").values(row).execute();
    return toRecord(row);
  }

  async get(id: string): Promise<WorkspaceRecord | undefined> {
    const r = await this.db
      .selectFrom("workspaces")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async list(): Promise<WorkspaceRecord[]> {
    const rows = await this.db
      .selectFrom("workspaces")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .orderBy("id")
      .execute();
    return rows.map(toRecord);
  }
}
