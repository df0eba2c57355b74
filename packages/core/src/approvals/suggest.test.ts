import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseWhen } from "../policy/cel.js";
import { type ApprovalHistoryItem, suggestRelaxations } from "./suggest.js";

const item = (over: Partial<ApprovalHistoryItem>): ApprovalHistoryItem => ({
  tool: "tracker.create_issue",
  class: "WRITE",
  args: { project: "SUP", title: "t" },
  rules: [],
  status: "approved",
  requestedAt: "2026-01-01T00:00:00.000Z",
  decidedAt: "2026-01-01T00:01:00.000Z",
  decisions: [{ name: "ann", decision: "approve", reason: null }],
  ...over,
});

describe("suggestRelaxations", () => {
  it("suggests an allow rule narrowed by the constant argument when every call was approved", () => {
    const history = Array.from({ length: 5 }, (_, i) =>
      item({
        args: { project: "SUP", title: `t${i}` },
        decisions: [{ name: i % 2 ? "ann" : "bob", decision: "approve", reason: null }],
      }),
    );
    const [e] = suggestRelaxations(history, { minApprovals: 5 });
    expect(e).toMatchObject({
      tool: "tracker.create_issue",
      approved: 5,
      denied: 0,
      waitSeconds: { p50: 60, max: 60 },
    });
    expect(e?.approvers.map((a) => a.name).sort()).toEqual(["ann", "bob"]);
    expect(e?.suggestion?.rule).toMatchObject({
      match: "tracker.create_issue",
      when: 'args.project == "SUP"',
      effect: "allow",
    });
    const pasted = parse(e?.suggestion?.yaml ?? "");
    expect(pasted[0].name).toMatch(/^allow-tracker-create_issue-project-SUP$/);
    expect(parseWhen(pasted[0].when).ok).toBe(true);
  });

  it("suggests nothing where a denial argues against relaxing, or the record is thin", () => {
    const history = [
      ...Array.from({ length: 6 }, () => item({})),
      item({ status: "denied", decisions: [{ name: "cat", decision: "deny", reason: "wrong project" }] }),
      item({ tool: "chat.post_message", class: "EXTERNAL_SEND", args: { channel: "#g", text: "x" } }),
    ];
    const [chat, tracker] = suggestRelaxations(history);
    expect(tracker).toMatchObject({ denied: 1, suggestion: null });
    expect(tracker?.verdict).toContain('cat: "wrong project"');
    expect(chat).toMatchObject({ approved: 1, suggestion: null });
    expect(chat?.verdict).toContain("at least 5");
  });

  it("points at the rule instead when a rule asked for the approval", () => {
    const history = Array.from({ length: 5 }, () => item({ rules: ["big-writes-need-two"] }));
    const [e] = suggestRelaxations(history);
    expect(e?.suggestion).toBeNull();
    expect(e?.verdict).toContain("big-writes-need-two");
  });

  it("never narrows on a redacted value and writes the whole action when nothing is constant", () => {
    const history = Array.from({ length: 5 }, (_, i) =>
      item({ args: { project: `P${i}`, token: "[REDACTED:secret]" } }),
    );
    const [e] = suggestRelaxations(history);
    expect(e?.suggestion?.rule.when).toBeUndefined();
    expect(e?.suggestion?.rule.name).toBe("allow-tracker-create_issue");
  });
});
