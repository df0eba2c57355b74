import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isTollgateError } from "../errors.js";
import { compileWorkflow, resolveAction } from "./compile.js";
import { loadManifest, parseManifest } from "./parse.js";
import type { Manifest } from "./schema.js";

const example = loadManifest(readFileSync(new URL("./fixtures/support-triage.yaml", import.meta.url), "utf8"));
const wf = compileWorkflow(example.manifest, example.version);

function compileYaml(lines: string[]) {
  const { manifest, version } = loadManifest(lines.join("\n"));
  return compileWorkflow(manifest, version);
}

const head = [
  "apiVersion: tollgate/v1",
  "kind: Workflow",
  "name: t",
  "description: d",
  "owner: o",
  "start: s",
  "end: e",
];

describe("compileWorkflow", () => {
  it("compiles the example: actions, limits in milliseconds, rates", () => {
    expect(wf.name).toBe("support-triage");
    expect(wf.version).toBe(example.version);
    expect([...wf.actions.keys()]).toEqual([
      "helpdesk.get_ticket",
      "helpdesk.close_ticket",
      "tracker.search_issues",
      "tracker.create_issue",
      "tracker.delete_issue",
      "chat.post_message",
    ]);
    expect(wf.budgets).toEqual({ toolCalls: 40, modelCalls: 20, costUsd: 1.5, wallClockMs: 900_000, maxRepeats: 3 });
    expect(wf.approvals).toEqual({
      timeoutMs: 14_400_000,
      onTimeout: "deny",
      approvers: ["role:approver"],
      required: 1,
    });
    expect(wf.retry).toEqual({ maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 30_000 });
    expect(wf.rateLimits.get("tracker")).toEqual({ perSecond: 5, burst: 5 });
    expect(wf.redact).toEqual(["secrets", "pii.email", "pii.card"]);
  });

  it("describes each action with its connector, http spec and tool name", () => {
    const get = wf.actions.get("helpdesk.get_ticket");
    expect(get).toMatchObject({
      id: "helpdesk.get_ticket",
      system: "helpdesk",
      action: "get_ticket",
      toolName: "helpdesk__get_ticket",
      class: "READ",
      http: { method: "GET", path: "/tickets/{id}", query: [], body: "none", pathParams: ["id"] },
      connector: { type: "http", baseUrl: "http://127.0.0.1:4010", timeoutMs: 10_000, auth: { type: "bearer" } },
      timeoutMs: 10_000,
      scopes: [],
    });
    expect(wf.actions.get("chat.post_message")?.http?.body).toBe("json");
    const create = wf.actions.get("tracker.create_issue");
    expect(create?.connector).toEqual({
      type: "mcp",
      command: "node",
      args: ["examples/support-triage/systems/tracker-mcp.js"],
      env: {},
      timeoutMs: 10_000,
    });
    expect(create?.scopes).toEqual(["issues:read", "issues:write"]);
    expect(create?.inputSchema).toEqual({ type: "object", required: ["project", "title"] });
  });

  it("applies per-action timeout and retry overrides", () => {
    const w = compileYaml([
      ...head,
      "retry: { maxAttempts: 4 }",
      "systems:",
      "  crm:",
      "    connector: { type: http, baseUrl: 'https://crm.example.com', timeout: 3s }",
      "    actions:",
      "      export: { class: READ, timeout: 1m, retry: { maxAttempts: 1 }, http: { method: GET, path: /export } }",
    ]);
    expect(w.actions.get("crm.export")).toMatchObject({
      timeoutMs: 60_000,
      retry: { maxAttempts: 1, initialDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 30_000 },
    });
  });

  it("turns a manifest that skipped validation into invalid_manifest", () => {
    const broken = structuredClone(example.manifest) as Manifest;
    broken.policy.rules = [{ name: "x", match: "*", when: "args.x >", effect: "block" }];
    try {
      compileWorkflow(broken, "v");
      expect.unreachable();
    } catch (e) {
      expect(isTollgateError(e) && e.code).toBe("invalid_manifest");
    }
  });
});

describe("resolveAction", () => {
  it("accepts the canonical id and the tool name", () => {
    expect(resolveAction(wf, "tracker.create_issue")?.id).toBe("tracker.create_issue");
    expect(resolveAction(wf, "tracker__create_issue")?.id).toBe("tracker.create_issue");
  });

  it("finds nothing outside the boundary", () => {
    expect(resolveAction(wf, "tracker.drop_database")).toBeUndefined();
    expect(resolveAction(wf, "tracker")).toBeUndefined();
    expect(resolveAction(wf, "tracker_create_issue")).toBeUndefined();
  });
});

describe("validateArgs", () => {
  const w = compileYaml([
    ...head,
    "systems:",
    "  shop:",
    "    connector: { type: http, baseUrl: 'http://127.0.0.1:1' }",
    "    actions:",
    "      refund:",
    "        class: WRITE",
    "        http: { method: POST, path: '/orders/{order}/refund' }",
    "        input:",
    "          type: object",
    "          required: [order, amount]",
    "          properties:",
    "            order: { type: string }",
    "            amount: { type: number, minimum: 0 }",
    "            items: { type: array, items: { type: object, properties: { sku: { type: string } } } }",
    "      note: { class: WRITE, http: { method: POST, path: '/notes/{id}' } }",
    "      loose: { class: WRITE, http: { method: POST, path: '/x' }, input: { type: object, required: [a] } }",
  ]);
  const refund = w.actions.get("shop.refund")!;

  it("accepts valid arguments", () => {
    expect(refund.validateArgs({ order: "A1", amount: 10, items: [{ sku: "x" }] })).toEqual([]);
  });

  it("names each wrong field under args", () => {
    expect(refund.validateArgs({ order: 1, amount: -1 })).toEqual([
      { path: "args.order", message: "must be string" },
      { path: "args.amount", message: "must be >= 0" },
    ]);
    expect(refund.validateArgs({ order: "A1" })).toEqual([{ path: "args.amount", message: "is required" }]);
    expect(refund.validateArgs({ order: "A", amount: 1, items: [{ sku: 5 }] })).toEqual([
      { path: "args.items[0].sku", message: "must be string" },
    ]);
  });

  it("rejects fields the schema does not declare when it declares properties", () => {
    expect(refund.validateArgs({ order: "A1", amount: 1, admin: true })).toEqual([
      { path: "args.admin", message: "is not allowed" },
    ]);
    expect(w.actions.get("shop.loose")?.validateArgs({ a: 1, extra: 2 })).toEqual([]);
    expect(w.actions.get("shop.loose")?.validateArgs({})).toEqual([{ path: "args.a", message: "is required" }]);
  });

  it("requires a plain object", () => {
    for (const bad of [null, [], "x", 3]) {
      expect(refund.validateArgs(bad)).toEqual([{ path: "args", message: "arguments must be a JSON object" }]);
    }
  });

  it("requires http path parameters as string or number, without an input schema too", () => {
    const note = w.actions.get("shop.note")!;
    expect(note.validateArgs({ id: 7 })).toEqual([]);
    expect(note.validateArgs({ id: "a" })).toEqual([]);
    expect(note.validateArgs({ id: { x: 1 } })).toEqual([
      { path: "args.id", message: "is required by the path /notes/{id} (a string or number)" },
    ]);
    expect(note.validateArgs({})).toHaveLength(1);
  });

  it("rejects input properties that would drop a path parameter at parse time", () => {
    const r = parseManifest(
      [
        ...head,
        "systems:",
        "  shop:",
        "    connector: { type: http, baseUrl: 'http://127.0.0.1:1' }",
        "    actions:",
        "      note: { class: WRITE, http: { method: POST, path: '/notes/{id}' }, input: { properties: { text: {} } } }",
      ].join("\n"),
    );
    expect(r.ok ? [] : r.errors).toEqual([
      {
        path: "systems.shop.actions.note.input.properties",
        message: 'argument "id" used by http is not among the input properties',
        line: 12,
      },
    ]);
  });
});

describe("retry overrides", () => {
  it("merge workflow, system and action levels, each overriding only what it names", async () => {
    const { loadManifest, compileWorkflow } = await import("./index.js");
    const source = [
      "apiVersion: tollgate/v1",
      "kind: Workflow",
      "name: retry-levels",
      "description: d",
      "owner: o@example.com",
      "start: s",
      "end: e",
      "retry: { maxAttempts: 4, initialDelay: 100ms, maxDelay: 2s, maxElapsed: 20s }",
      "systems:",
      "  api:",
      '    connector: { type: http, baseUrl: "http://127.0.0.1:1" }',
      "    retry: { maxAttempts: 2, maxElapsed: 5s }",
      "    actions:",
      "      read: { class: READ, http: { method: GET, path: /r } }",
      "      write: { class: WRITE, http: { method: POST, path: /w }, retry: { initialDelay: 1s } }",
    ].join("\n");
    const { manifest, version } = loadManifest(source);
    const wf = compileWorkflow(manifest, version);
    expect(wf.actions.get("api.read")?.retry).toEqual({
      maxAttempts: 2,
      initialDelayMs: 100,
      maxDelayMs: 2000,
      maxElapsedMs: 5000,
    });
    expect(wf.actions.get("api.write")?.retry).toEqual({
      maxAttempts: 2,
      initialDelayMs: 1000,
      maxDelayMs: 2000,
      maxElapsedMs: 5000,
    });
  });
});
