import type { FastifyBaseLogger } from "fastify";
import { iso } from "../clock.js";
import type { Services } from "../services.js";

/**
 * On start-up: a call found `executing` was cut off mid-flight; whether the upstream acted is
 * unknown, so it becomes `outcome_unknown` and is never re-run. A call found `approved` had not
 * been sent yet, so it is run now (once: approved → executing is a compare-and-set).
 */
export async function recoverInterruptedCalls(s: Services, log: FastifyBaseLogger): Promise<void> {
  for (const call of await s.store.findCallsInStatus("executing")) {
    const now = iso(s.clock);
    await s.store.transaction(call.tenantId, async (t) => {
      const error = {
        code: "outcome_unknown",
        message: "Tollgate stopped while this call was executing; it is not re-run",
      };
      if (
        !(await t.toolCalls.update(
          call.id,
          { status: "outcome_unknown", finishedAt: now, error, argsSealed: null },
          "executing",
        ))
      )
        return;
      await t.audit.append(
        [
          {
            type: "tool_call.outcome_unknown",
            workspace: call.workspaceId,
            run: call.runId,
            call: call.id,
            data: { tool: call.tool, error, recovered: true },
          },
        ],
        now,
      );
    });
    log.warn({ callId: call.id, tool: call.tool }, "call interrupted by a restart marked outcome_unknown");
  }
  for (const call of await s.store.findCallsInStatus("approved")) {
    s.approvals
      .runApproved(call.tenantId, call.id)
      .catch((e) => log.error({ err: e, callId: call.id }, "running an approved call after restart failed"));
  }
}
