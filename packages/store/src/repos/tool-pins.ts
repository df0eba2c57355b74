import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import { prepared } from "../prepared.js";
import type { ToolPinRecord } from "../records.js";
import type { Database, ToolPinsTable } from "../schema.js";

const toRecord = (r: ToolPinsTable): ToolPinRecord => ({
  workspaceId: r.workspace_id,
  workflow: r.workflow,
  version: r.version,
  system: r.system,
  tool: r.tool,
  hash: r.hash,
  definition: fromJson(r.definition, null),
  pinnedAt: r.pinned_at,
  pinnedBy: r.pinned_by,
  acceptedAt: r.accepted_at,
  acceptedBy: r.accepted_by,
});

/** Pins of upstream MCP tool definitions, per workflow version. */
export class ToolPinsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** Pins of a new version; an existing pin of the same version is left as it is. */
  async insert(pins: Omit<ToolPinRecord, "acceptedAt" | "acceptedBy">[]): Promise<void> {
    for (const p of pins) {
      await this.db
        .insertInto("tool_pins")
        .values({
          tenant_id: this.tenantId,
          workspace_id: p.workspaceId,
          workflow: p.workflow,
          version: p.version,
          system: p.system,
          tool: p.tool,
          hash: p.hash,
          definition: toJson(p.definition),
          pinned_at: p.pinnedAt,
          pinned_by: p.pinnedBy,
          accepted_at: null,
          accepted_by: null,
        })
        .onConflict((oc) =>
          oc.columns(["tenant_id", "workspace_id", "workflow", "version", "system", "tool"]).doNothing(),
        )
        .execute();
    }
  }

  async get(
    workspaceId: string,
    workflow: string,
    version: string,
    system: string,
    tool: string,
  ): Promise<ToolPinRecord | undefined> {
    // on the path of every MCP tool call: compiled once (prepared.ts)
    const { rows } = await prepared<ToolPinsTable>(
      this.db,
      "toolPins.get",
      [this.tenantId, workspaceId, workflow, version, system, tool],
      (db, [t, w, f, v, s, n]) =>
        db
          .selectFrom("tool_pins")
          .selectAll()
          .where("tenant_id", "=", t)
          .where("workspace_id", "=", w)
          .where("workflow", "=", f)
          .where("version", "=", v)
          .where("system", "=", s)
          .where("tool", "=", n),
    );
    const r = rows[0];
    return r && toRecord(r);
  }

  async listForVersion(workspaceId: string, workflow: string, version: string): Promise<ToolPinRecord[]> {
    const rows = await this.db
      .selectFrom("tool_pins")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .where("version", "=", version)
      .orderBy("system")
      .orderBy("tool")
      .execute();
    return rows.map(toRecord);
  }

  /**
   * An admin accepts a new definition of one upstream tool for every version of a workflow that
   * pins it (runs keep the version they started with). Returns the pins as they were.
   */
  async accept(
    workspaceId: string,
    workflow: string,
    system: string,
    tool: string,
    next: { hash: string; definition: unknown; at: string; by: string },
  ): Promise<ToolPinRecord[]> {
    const before = await this.db
      .selectFrom("tool_pins")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .where("system", "=", system)
      .where("tool", "=", tool)
      .execute();
    await this.db
      .updateTable("tool_pins")
      .set({ hash: next.hash, definition: toJson(next.definition), accepted_at: next.at, accepted_by: next.by })
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .where("system", "=", system)
      .where("tool", "=", tool)
      .execute();
    return before.map(toRecord);
  }
}
