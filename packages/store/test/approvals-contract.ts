import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** Approvals with several approvers, escalation, flood counts, history, and the notification outbox (issue 3). */
export function approvalsContract(name: string, make: () => Promise<TestStore>): void {
  describe(`approvals and notifications on ${name}`, () => {
    let t: TestStore;
    let store: Store;

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: at(0) });
      await store.scope("ta").workspaces.create("wa", "A", at(0));
    });
    afterEach(async () => t.cleanup());

    const approval = (id: string, over: Record<string, unknown> = {}) => ({
      id,
      workspaceId: "wa",
      runId: "run_1",
      callId: `call_${id}`,
      argsHash: "h",
      requestedBy: "key_agent",
      expiresAt: at(10),
      createdAt: at(0),
      required: 2,
      approvers: ["role:approver"],
      escalateTo: ["role:admin"],
      ...over,
    });
    const decision = (approvalId: string, approver: string) => ({
      approvalId,
      approver,
      approverName: approver,
      approverRole: "approver",
      decision: "approve" as const,
      reason: null,
      channel: "api",
      shown: { args: { a: 1 } },
      decidedAt: at(1),
    });

    it("records each distinct approver once and counts approvals one by one", async () => {
      const s = store.scope("ta");
      await s.approvals.insert(approval("apr_1"));
      expect(await s.approvals.get("apr_1")).toMatchObject({
        required: 2,
        approvalCount: 0,
        escalateTo: ["role:admin"],
      });
      await s.approvals.addDecision(decision("apr_1", "key_a"));
      await expect(s.approvals.addDecision(decision("apr_1", "key_a"))).rejects.toThrow();
      const counts = await Promise.all([
        store.transaction("ta", (x) => x.approvals.countApproval("apr_1")),
        store.transaction("ta", (x) => x.approvals.countApproval("apr_1")),
      ]);
      expect(counts.sort()).toEqual([1, 2]);
      expect((await s.approvals.decisions(["apr_1"])).map((d) => d.shown)).toEqual([{ args: { a: 1 } }]);
      expect(await store.scope("tb").approvals.decisions(["apr_1"])).toEqual([]);
    });

    it("escalates once, finds due approvals across tenants and counts pending ones", async () => {
      const s = store.scope("ta");
      await s.approvals.insert(approval("apr_2"));
      await s.approvals.insert(approval("apr_3", { runId: "run_2", expiresAt: at(30) }));
      expect(await s.approvals.countPending({ runId: "run_1" })).toBe(1);
      expect(await s.approvals.countPending({ workspaceId: "wa" })).toBe(2);
      expect((await store.findDueApprovals(at(10), 10)).map((a) => a.id)).toEqual(["apr_2"]);
      expect(await s.approvals.escalate("apr_2", at(20), at(10))).toBe(true);
      expect(await s.approvals.escalate("apr_2", at(30), at(20))).toBe(false);
      expect(await store.findDueApprovals(at(10), 10)).toEqual([]);
      expect(await store.scope("tb").approvals.countPending({ workspaceId: "wa" })).toBe(0);
    });

    it("keeps the outbox: one claimant per delivery, retries, and a final state", async () => {
      const s = store.scope("ta");
      await s.notifications.replaceChannels(
        "wa",
        [{ name: "hook", kind: "webhook", config: { url: "http://x" } }],
        at(0),
      );
      expect(await s.notifications.channels("wa")).toMatchObject([{ name: "hook", config: { url: "http://x" } }]);
      expect(await store.scope("tb").notifications.channels("wa")).toEqual([]);
      await s.notifications.enqueue([
        {
          id: "ntf_1",
          workspaceId: "wa",
          channel: "hook",
          event: "approval.requested",
          subjectId: "apr_1",
          nextAttemptAt: at(0),
          createdAt: at(0),
        },
      ]);
      const [due] = await store.findDueNotifications(at(1), 10);
      expect(due).toMatchObject({ id: "ntf_1", status: "pending", attempts: 0 });
      const claims = await Promise.all([
        s.notifications.claim("ntf_1", due!.nextAttemptAt, at(2)),
        s.notifications.claim("ntf_1", due!.nextAttemptAt, at(2)),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await s.notifications.attemptFailed("ntf_1", 1, "503", at(5));
      expect(await store.findDueNotifications(at(4), 10)).toEqual([]);
      await s.notifications.delivered("ntf_1", 2, at(5));
      expect(await s.notifications.deliveries("wa")).toMatchObject([{ status: "delivered", attempts: 2 }]);
      expect(await s.notifications.get("ntf_1")).toMatchObject({ subjectId: "apr_1", status: "delivered" });
      expect(await s.notifications.ofSubject("apr_1")).toMatchObject([{ id: "ntf_1" }]);
      expect(await store.scope("tb").notifications.ofSubject("apr_1")).toEqual([]);
    });
  });
}
