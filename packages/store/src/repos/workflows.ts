import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { WorkflowVersionRecord } from "../records.js";
import type { Database, WorkflowVersionsTable } from "../schema.js";

const toRecord = (r: WorkflowVersionsTable): WorkflowVersionRecord => ({
  workspaceId: r.workspace_id,
  name: r.name,
  version: r.version,
  source: r.source,
  manifest: fromJson(r.manifest, null),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class WorkflowsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** Stores the version (once) and makes it the active one. Returns true when the version is new. */
  async putVersion(v: Omit<WorkflowVersionRecord, "manifest"> & { manifest: unknown }): Promise<boolean> {
    const existing = await this.getVersion(v.workspaceId, v.name, v.version);
    if (!existing) {
      await this.db
        .insertInto("workflow_versions")
        .values({
          tenant_id: this.tenantId,
          workspace_id: v.workspaceId,
          name: v.name,
          version: v.version,
          source: v.source,
          manifest: toJson(v.manifest),
          created_at: v.createdAt,
          created_by: v.createdBy,
        })
        .execute();
    }
    await this.db
      .insertInto("workflows")
      .values({
        tenant_id: this.tenantId,
        workspace_id: v.workspaceId,
        name: v.name,
        active_version: v.version,
        updated_at: v.createdAt,
      })
      .onConflict((oc) =>
        oc
          .columns(["tenant_id", "workspace_id", "name"])
          .doUpdateSet({ active_version: v.version, updated_at: v.createdAt }),
      )
      .execute();
    return !existing;
  }

  async getActive(workspaceId: string, name: string): Promise<WorkflowVersionRecord | undefined> {
    const w = await this.db
      .selectFrom("workflows")
      .select("active_version")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return w ? this.getVersion(workspaceId, name, w.active_version) : undefined;
  }

  async getVersion(workspaceId: string, name: string, version: string): Promise<WorkflowVersionRecord | undefined> {
    const r = await this.db
      .selectFrom("workflow_versions")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .where("version", "=", version)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async list(workspaceId: string): Promise<{ name: string; version: string; updatedAt: string }[]> {
    const rows = await this.db
      .selectFrom("workflows")
      .select(["name", "active_version", "updated_at"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({ name: r.name, version: r.active_version, updatedAt: r.updated_at }));
  }

  async history(
    workspaceId: string,
    name: string,
  ): Promise<{ version: string; createdAt: string; createdBy: string | null }[]> {
    const rows = await this.db
      .selectFrom("workflow_versions")
      .select(["version", "created_at", "created_by"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, createdBy: r.created_by }));
  }
}
