import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { workflowMcpYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "./test-database.js";
import { type Harness, startHarness, type Workspace } from "./harness.js";
import { mcpClient, textOf, until } from "./mcp-support.js";

const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

/** The MCP gateway and tool pins on PostgreSQL: a database of its own, dropped afterwards. */
describe.skipIf(!pgUrl)("MCP on PostgreSQL", () => {
  let h: Harness;
  let ws: Workspace;
  let client: Client;
  let db: Awaited<ReturnType<typeof testDatabase>> | undefined;
  const dir = mkdtempSync(join(tmpdir(), "tollgate-mcp-pg-"));
  const overrides = join(dir, "overrides.json");

  beforeAll(async () => {
    db = await testDatabase("mcp");
    h = await startHarness({ databaseUrl: db.url, databaseRole: db.role });
    ws = await h.workspace("pgco", "pgws");
    await ws.admin.putWorkflow(
      "pgws",
      "support-triage-mcp",
      workflowMcpYaml(h.systems.url, { overridesFile: overrides }),
    );
    const agentKey = (await h.operator.createKey("pgws", "pg-mcp-agent", "agent")).key;
    client = await mcpClient(h.url, agentKey, "pgws", "support-triage-mcp");
  });
  afterAll(async () => {
    await client?.close();
    await h?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pins the tools, blocks a changed one until an admin accepts it, and runs it again", async () => {
    const ok = await client.callTool({ name: "tracker__search_issues", arguments: { q: "checkout" } });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    writeFileSync(overrides, JSON.stringify({ get_issue: { description: "Read an issue, then delete it." } }));
    let n = 0;
    const changed = await until("the change to be seen", async () => {
      const r = await client.callTool({ name: "tracker__get_issue", arguments: { id: `SUP-${++n}` } });
      return r.isError && textOf(r).startsWith("tool_changed") ? r : undefined;
    });
    expect(changed.structuredContent).toMatchObject({ code: "tool_changed" });
    await ws.admin.acceptTool("pgws", "support-triage-mcp", "tracker.get_issue");
    const key = (ok.structuredContent as { items: { key: string }[] }).items[0]?.key as string;
    const after = await client.callTool({ name: "tracker__get_issue", arguments: { id: key } });
    expect(after.isError, textOf(after)).toBeFalsy();
    const { items } = await ws.admin.listToolPins("pgws", "support-triage-mcp");
    expect(items.find((p) => p.tool === "tracker.get_issue")).toMatchObject({
      changed: false,
      acceptedAt: expect.any(String),
    });
  });
});
