import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tollgate, tollgateBin } from "../../cli/test/run-cli.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace } from "./harness.js";
import { memoryWorkflowYaml, textOf, upstreamEntry } from "./mcp-support.js";

// The MCP commands of the built CLI, as a person (or a desktop MCP client) runs them.
const dir = mkdtempSync(join(tmpdir(), "tollgate-mcp-cli-"));

let h: Harness;
let ws: Workspace;
let agentKey: string;

beforeAll(async () => {
  h = await startHarness({ tuning: { mcp: { approvalWaitMs: 1_000, progressEveryMs: 200 } } });
  ws = await h.workspace("acme", "support");
  agentKey = (await h.operator.createKey("support", "desktop-agent", "agent")).key;
  await ws.admin.putWorkflow("support", "memory-agent", memoryWorkflowYaml());
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tollgate init --from-mcp", () => {
  it("writes a draft from the everything server that tollgate validate accepts", async () => {
    const file = join(dir, "everything.yaml");
    const everything = upstreamEntry("@modelcontextprotocol/server-everything");
    const r = await tollgate(["init", "--out", file, "--from-mcp", "--", process.execPath, everything, "stdio"]);
    expect(r.stderr).toMatch(/wrote .*workflow everything, system everything, \d+ actions/);
    expect(r.code).toBe(0);
    const draft = readFileSync(file, "utf8");
    expect(draft).toMatch(/SUGGESTION/);
    expect(draft).toMatch(/get_sum:\n\s+tool: "get-sum"\n\s+class: READ # suggested from readOnlyHint/);
    const v = await tollgate(["validate", file]);
    expect(v.stdout).toMatch(/valid.*everything sha256:/);
    expect(v.code).toBe(0);
  });

  it("says so when the server cannot be started", async () => {
    const r = await tollgate(["init", "--from-mcp", "--", process.execPath, join(dir, "missing.js")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot list the MCP server's tools/);
  });
});

describe("tollgate mcp (the stdio bridge)", () => {
  it("serves the workflow's tools to a stdio MCP client, governed by the server", async () => {
    const client = new Client({ name: "desktop", version: "1.0.0" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        tollgateBin,
        "mcp",
        "--workspace",
        "support",
        "--workflow",
        "memory-agent",
        "--url",
        h.url,
        "--key",
        agentKey,
      ],
      stderr: "pipe",
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("memory__read_graph");
      expect(tools.map((t) => t.name)).not.toContain("memory__delete_entities");

      const ok = await client.callTool({ name: "memory__read_graph", arguments: {} });
      expect(ok.isError).toBeFalsy();
      const blocked = await client.callTool({ name: "memory__delete_entities", arguments: { entityNames: ["x"] } });
      expect(blocked.isError).toBe(true);
      expect(textOf(blocked)).toMatch(/^blocked: /);

      const progress: number[] = [];
      const pending = await client.callTool(
        {
          name: "memory__create_entities",
          arguments: { entities: [{ name: "Eve", entityType: "customer", observations: [] }] },
        },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      const { callId, approvalId } = pending.structuredContent as { callId: string; approvalId: string };
      expect(progress.length).toBeGreaterThanOrEqual(1);
      await ws.approver.decide(approvalId, "approve");
      const done = await client.callTool({ name: "tollgate__check_call", arguments: { callId, wait: 10 } });
      expect(done.isError).toBeFalsy();
      expect(textOf(done)).toContain("Eve");
    } finally {
      await client.close();
    }
    const { items } = await ws.auditor.listRuns("support", { workflow: "memory-agent" });
    expect(items.some((r) => r.agent === "tollgate-mcp-bridge")).toBe(true);
  });

  it("tools list and tools accept talk to the server", async () => {
    const admin = (await h.operator.createKey("support", "cli-admin", "admin")).key;
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: admin };
    const list = await tollgate(
      ["tools", "list", "--workspace", "support", "--workflow", "memory-agent", "--json"],
      env,
    );
    expect(list.code).toBe(0);
    const pins = JSON.parse(list.stdout) as { items: { tool: string; changed: boolean }[] };
    expect(pins.items.map((p) => p.tool).sort()).toEqual([
      "memory.create_entities",
      "memory.delete_entities",
      "memory.read_graph",
      "memory.search_nodes",
    ]);
    expect(pins.items.every((p) => !p.changed)).toBe(true);
    const accept = await tollgate(
      ["tools", "accept", "memory.read_graph", "--workspace", "support", "--workflow", "memory-agent"],
      env,
    );
    expect(accept.code).toBe(0);
    expect(accept.stdout).toMatch(/already matches its pinned definition/);
  });
});
