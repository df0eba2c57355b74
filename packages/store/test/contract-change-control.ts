import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReleaseActivationRecord, Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const t0 = "2026-03-01T10:00:00.000Z";
const t1 = "2026-03-02T10:00:00.000Z";
const versions = {
  workflow: "sha256:wf1",
  prompts: { triage: "sha256:p1" },
  tools: { "tracker.create_issue": "sha256:t1" },
  model: "model-a",
  release: null,
};
const run = (id: string, v: typeof versions | null, startedAt = t0) => ({
  id,
  workspaceId: "wa",
  workflow: "wf",
  workflowVersion: v?.workflow ?? "sha256:wf1",
  agent: null,
  actingAs: "service",
  labels: {},
  traceId: `${"0".repeat(31)}1`,
  startedBy: "key_1",
  startedAt,
  deadlineAt: null,
  versions: v,
  simulation: v ? null : { responses: { "a.b": { result: 1 } } },
});
const activation = (id: string, releaseId: string, previous: string | null): ReleaseActivationRecord => ({
  id,
  workspaceId: "wa",
  workflow: "wf",
  releaseId,
  kind: "activate",
  previousActivationId: previous,
  evalReportId: null,
  overrideReason: null,
  activatedAt: t0,
  activatedBy: "key_1",
});

/** Run versions, prompts and labels, releases and activations: the same on every dialect. */
export function changeControlContract(name: string, make: () => Promise<TestStore>): void {
  describe(`change-control store on ${name}`, () => {
    let t: TestStore;
    let store: Store;

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: t0 });
      await store.scope("ta").workspaces.create("wa", "A", t0);
    });
    afterEach(async () => t.cleanup());

    it("pins versions on a run and finds runs by version, within the tenant", async () => {
      const a = store.scope("ta").runs;
      await a.create(run("run_1", versions));
      await a.create(run("run_2", { ...versions, prompts: { triage: "sha256:p2" }, model: "model-b" }, t1));
      await a.create(run("run_3", null));
      expect((await a.get("run_1"))?.versions).toEqual(versions);
      expect((await a.get("run_3"))?.simulation).toEqual({ responses: { "a.b": { result: 1 } } });
      const ids = async (f: Parameters<typeof a.list>[0]) => (await a.list(f)).map((r) => r.id);
      expect(await ids({ workspaceId: "wa", version: { kind: "prompt", version: "sha256:p1" } })).toEqual(["run_1"]);
      expect(await ids({ workspaceId: "wa", version: { kind: "model", version: "model-b" } })).toEqual(["run_2"]);
      expect(await ids({ workspaceId: "wa", version: { kind: "tool", version: "sha256:t1" } })).toEqual([
        "run_2",
        "run_1",
      ]);
      expect(await ids({ workspaceId: "wa", since: t1 })).toEqual(["run_2"]);
      expect(await store.scope("tb").runs.list({ version: { kind: "prompt", version: "sha256:p1" } })).toEqual([]);
    });

    it("stores prompt versions once and moves labels", async () => {
      const p = store.scope("ta").prompts;
      const v = {
        workspaceId: "wa",
        name: "triage",
        version: "sha256:p1",
        template: "x",
        createdAt: t0,
        createdBy: "k",
      };
      expect(await p.putVersion(v)).toBe(true);
      expect(await p.putVersion(v)).toBe(false);
      expect(await p.setLabel("wa", "triage", "production", "sha256:p1", t0, "k")).toBeNull();
      expect(await p.setLabel("wa", "triage", "production", "sha256:p2", t1, "k")).toBe("sha256:p1");
      expect(await p.labels("wa", "triage")).toEqual({ production: "sha256:p2" });
      expect(await store.scope("tb").prompts.getVersion("wa", "triage", "sha256:p1")).toBeUndefined();
      expect(await store.scope("tb").prompts.labelVersion("wa", "triage", "production")).toBeUndefined();
    });

    it("moves the active release only by compare-and-set, and keeps reports per release", async () => {
      const r = store.scope("ta").releases;
      for (const id of ["rel_1", "rel_2"])
        await r.create({
          id,
          workspaceId: "wa",
          workflow: "wf",
          workflowVersion: "sha256:wf1",
          prompts: {},
          model: null,
          description: null,
          createdAt: t0,
          createdBy: "k",
        });
      await r.addEvalReport({
        id: "evr_1",
        workspaceId: "wa",
        releaseId: "rel_1",
        suite: "s",
        passed: true,
        report: { ok: 1 },
        reportHash: "sha256:h",
        uploadedAt: t0,
        uploadedBy: "k",
      });
      expect((await r.evalReports("rel_1")).map((x) => [x.id, x.passed])).toEqual([["evr_1", true]]);
      expect(await r.activate(activation("act_1", "rel_1", null), null)).toBe(true);
      expect(await r.activate(activation("act_x", "rel_2", null), null)).toBe(false);
      expect(await r.activate(activation("act_2", "rel_2", "act_1"), "act_x")).toBe(false);
      expect(await r.activate(activation("act_3", "rel_2", "act_1"), "act_1")).toBe(true);
      expect(await r.active("wa", "wf")).toMatchObject({
        id: "act_3",
        releaseId: "rel_2",
        previousActivationId: "act_1",
      });
      const b = store.scope("tb").releases;
      expect(await b.get("rel_1")).toBeUndefined();
      expect(await b.active("wa", "wf")).toBeUndefined();
      expect(await b.evalReports("rel_1")).toEqual([]);
    });
  });
}
