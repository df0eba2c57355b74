import type { AuditEvent } from "@tollgate/sdk";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

/** A clock the SIEM tests move forward (sink backoff) without sleeping. */
export const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };
export const minutes = (n: number) => n * 60_000;

/** The server with manual audit delivery, a workspace, and the helpers the SIEM tests share. */
export async function startSiemHarness() {
  const h: Harness = await startHarness({
    clock,
    tuning: {
      auditDelivery: {
        intervalMs: 0,
        alertAfterFailures: 2,
        checkpointEvery: 5,
        baseBackoffMs: 30_000,
        batchesPerTurn: 1_000,
      },
    },
  });
  const ws: Workspace = await h.workspace("acme", "support");
  const turn = () => h.server.tollgate.services.auditExport.delivery.runOnce();
  const events = async (): Promise<AuditEvent[]> => {
    const out: AuditEvent[] = [];
    for await (const e of ws.auditor.allAuditEvents("support")) out.push(e);
    return out;
  };
  const sink = async (name: string) => (await ws.admin.listSinks("support")).items.find((s) => s.name === name)!;
  async function someCalls(): Promise<void> {
    const run = await ws.agent.startRun({ workspace: "support", workflow: "support-triage" });
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-ops", text: "looking" });
    await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.finishRun(run.id, "succeeded");
  }
  return { h, ws, turn, events, sink, someCalls };
}
