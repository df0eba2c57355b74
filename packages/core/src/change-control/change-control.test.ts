import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../manifest/compile.js";
import { loadManifest } from "../manifest/parse.js";
import { evalReport, parseEvalSuite } from "./evals.js";
import { hasRedactionPlaceholder } from "./recorded-call.js";
import { replayRuns } from "./replay.js";
import { matchesSubset, pickScriptedResponse } from "./simulation.js";

const manifest = (defaults: string) => `apiVersion: tollgate/v1
kind: Workflow
name: wf
description: d
owner: o@example.com
start: s
end: e
systems:
  chat:
    connector: { type: http, baseUrl: "http://127.0.0.1:1" }
    actions:
      post: { class: EXTERNAL_SEND, http: { method: POST, path: /m } }
policy:
  defaults: { ${defaults} }
  rules:
    - { name: own-channel, match: chat.post, when: 'args.channel == "#own"', effect: allow }
`;
const compiled = (defaults: string) => {
  const { manifest: m, version } = loadManifest(manifest(defaults));
  return compileWorkflow(m, version);
};

describe("change control in core", () => {
  it("replays recorded calls and reports only what changes, flagging redacted arguments", () => {
    const run = {
      id: "run_1",
      workflowVersion: "v1",
      agent: null,
      actingAs: null,
      labels: {},
      startedAt: "2026-01-01T00:00:00Z",
      calls: [
        {
          id: "c1",
          tool: "chat.post",
          args: { channel: "#own" },
          decision: "allow",
          rules: ["own-channel"],
          createdAt: "2026-01-01T00:00:01Z",
        },
        {
          id: "c2",
          tool: "chat.post",
          args: { channel: "[REDACTED:pii.email]" },
          decision: "approve",
          rules: [],
          createdAt: "2026-01-01T00:00:02Z",
        },
        {
          id: "c3",
          tool: "chat.post",
          args: { channel: "#x" },
          decision: "block",
          rules: ["loop_guard"],
          createdAt: "2026-01-01T00:00:03Z",
        },
      ],
    };
    const r = replayRuns(compiled("EXTERNAL_SEND: block"), [run]);
    expect(r.changes.map((c) => [c.callId, c.from.decision, c.to.decision, c.direction, c.uncertain])).toEqual([
      ["c2", "approve", "block", "stricter", true],
    ]);
    expect(r).toMatchObject({ calls: 3, unchanged: 1, skipped: 1, uncertain: 1, summary: { "approve → block": 1 } });
  });

  it("detects both placeholder forms", () => {
    expect(hasRedactionPlaceholder({ a: ["x [pii.email:1a2b3c4d] y"] })).toBe(true);
    expect(hasRedactionPlaceholder({ a: "[REDACTED:secrets]" })).toBe(true);
    expect(hasRedactionPlaceholder({ a: "[see docs]" })).toBe(false);
  });

  it("picks the first scripted response whose when matches", () => {
    const responses = { "a.b": [{ when: { id: "1" }, result: "one" }, { error: "down" }] };
    expect(pickScriptedResponse(responses, "a.b", { id: "1" })).toEqual({ kind: "result", result: "one" });
    expect(pickScriptedResponse(responses, "a.b", { id: "2" })).toEqual({ kind: "error", message: "down" });
    expect(pickScriptedResponse(responses, "c.d", {})).toEqual({ kind: "none" });
    expect(matchesSubset({ a: 1, b: [1, 2] }, { b: [1, 2] })).toBe(true);
    expect(matchesSubset({ a: 1 }, { a: 2 })).toBe(false);
  });

  it("judges cases against the baseline: regressions fail, known failures do not", () => {
    const suite = parseEvalSuite(`suite: s
workflow: wf
cases:
  - { name: a, expect: { blocked: 0 } }
  - { name: b, expect: { blocked: 0 } }
`);
    const observed = (blocked: number) => ({
      runId: "r",
      status: "succeeded",
      stopReason: null,
      usage: { toolCalls: 1, modelCalls: 0, costUsd: 0 },
      output: null,
      calls: Array.from({ length: blocked }, () => ({
        tool: "chat.post",
        args: {},
        decision: "block",
        status: "blocked",
        rules: [],
      })),
    });
    const baseline = { suite: "s", cases: { a: { passed: true, toolCalls: 1 }, b: { passed: false, toolCalls: 1 } } };
    const r = evalReport(
      suite,
      [
        { case: suite.cases[0] as never, run: observed(1) },
        { case: suite.cases[1] as never, run: observed(1) },
      ],
      { baseline },
    );
    expect(r.cases.map((c) => c.verdict)).toEqual(["regression", "known_failure"]);
    expect(r.passed).toBe(false);
    expect(() => parseEvalSuite("suite: s\nworkflow: wf\ncases: []\n")).toThrow(/at least one case/);
  });
});
