import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflowYaml } from "@tollgate/example-support-triage";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;
let first: string;
let second: string;

beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("history", "desk");
  first = (await ws.admin.getWorkflow("desk", "support-triage")).version;
  const changed = workflowYaml(h.systems.url).replace(
    "rateLimits: { tracker: 5/s, chat: 1/s }",
    "rateLimits: { tracker: 5/s, chat: 1/s, helpdesk: 2/s }",
  );
  second = (await ws.admin.putWorkflow("desk", "support-triage", changed)).version;
});
afterAll(async () => h.close());

describe("workflow history and diffs", () => {
  it("lists every version newest first with the active one, and gives each as it was written", async () => {
    const history = await ws.auditor.workflowHistory("desk", "support-triage");
    expect(history.active).toBe(second);
    expect(history.items.map((v) => v.version)).toEqual([second, first]);
    expect(history.items[0]!.createdBy).toEqual(expect.any(String));
    const old = await ws.auditor.workflowVersion("desk", "support-triage", first);
    expect(old.source).toContain("rateLimits: { tracker: 5/s, chat: 1/s }\n");
    expect(old.manifest).toMatchObject({ name: "support-triage", rateLimits: { tracker: "5/s", chat: "1/s" } });
  });

  it("diffs the active version against the one before it, or any two", async () => {
    const d = await ws.approver.workflowDiff("desk", "support-triage");
    expect(d.from.version).toBe(first);
    expect(d.to.version).toBe(second);
    const changed = d.hunks.flatMap((x) => x.lines).filter((l) => !l.startsWith(" "));
    expect(changed).toEqual([
      "-rateLimits: { tracker: 5/s, chat: 1/s }",
      "+rateLimits: { tracker: 5/s, chat: 1/s, helpdesk: 2/s }",
    ]);
    const back = await ws.approver.workflowDiff("desk", "support-triage", { from: second, to: first });
    expect(back.hunks.flatMap((x) => x.lines).filter((l) => !l.startsWith(" "))).toEqual([
      "-rateLimits: { tracker: 5/s, chat: 1/s, helpdesk: 2/s }",
      "+rateLimits: { tracker: 5/s, chat: 1/s }",
    ]);
    expect((await ws.approver.workflowDiff("desk", "support-triage", { from: first, to: first })).hunks).toEqual([]);
  });

  it("names what it cannot find or compare", async () => {
    expect(await problemOf(ws.auditor.workflowVersion("desk", "support-triage", "sha256:nope"))).toMatchObject({
      status: 404,
      detail: "no version sha256:nope of workflow support-triage",
    });
    expect(await problemOf(ws.auditor.workflowDiff("desk", "support-triage", { to: first }))).toMatchObject({
      status: 404,
      detail: `workflow support-triage has no version before ${first} to compare with`,
    });
    expect(await problemOf(ws.auditor.workflowHistory("desk", "nope"))).toMatchObject({
      status: 404,
      detail: "no workflow nope in workspace desk",
    });
    const res = await fetch(`${h.url}/v1/workspaces/desk/workflows/support-triage/diff?since=x`, {
      headers: { authorization: `Bearer ${(ws.auditor as unknown as { opts: { key: string } }).opts.key}` },
    });
    expect(res.status).toBe(400);
  });
});
