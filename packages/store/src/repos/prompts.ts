import type { Kysely } from "kysely";
import type { PromptVersionRecord } from "../records.js";
import type { Database, PromptVersionsTable } from "../schema.js";

const toRecord = (r: PromptVersionsTable): PromptVersionRecord => ({
  workspaceId: r.workspace_id,
  name: r.name,
  version: r.version,
  template: r.template,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** Prompts by content version, and labels (production, staging…) that point at one version. */
export class PromptsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** Stores a version once; true when it is new. */
  async putVersion(p: PromptVersionRecord): Promise<boolean> {
    if (await this.getVersion(p.workspaceId, p.name, p.version)) return false;
    await this.db
      .insertInto("prompt_versions")
      .values({
        tenant_id: this.tenantId,
        workspace_id: p.workspaceId,
        name: p.name,
        version: p.version,
        template: p.template,
        created_at: p.createdAt,
        created_by: p.createdBy,
      })
      .execute();
    return true;
  }

  async getVersion(workspaceId: string, name: string, version: string): Promise<PromptVersionRecord | undefined> {
    const r = await this.db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .where("version", "=", version)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async history(workspaceId: string, name: string): Promise<PromptVersionRecord[]> {
    const rows = await this.db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(toRecord);
  }

  /** Points a label at a version; returns the version it pointed at before (or null). */
  async setLabel(
    workspaceId: string,
    name: string,
    label: string,
    version: string,
    at: string,
    by: string,
  ): Promise<string | null> {
    const before = await this.labelVersion(workspaceId, name, label);
    await this.db
      .insertInto("prompt_labels")
      .values({
        tenant_id: this.tenantId,
        workspace_id: workspaceId,
        name,
        label,
        version,
        updated_at: at,
        updated_by: by,
      })
      .onConflict((oc) =>
        oc
          .columns(["tenant_id", "workspace_id", "name", "label"])
          .doUpdateSet({ version, updated_at: at, updated_by: by }),
      )
      .execute();
    return before ?? null;
  }

  async labelVersion(workspaceId: string, name: string, label: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom("prompt_labels")
      .select("version")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .where("label", "=", label)
      .executeTakeFirst();
    return r?.version;
  }

  async labels(workspaceId: string, name: string): Promise<Record<string, string>> {
    const rows = await this.db
      .selectFrom("prompt_labels")
      .select(["label", "version"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .orderBy("label")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.label, r.version]));
  }
}
