import { newId, TollgateError } from "@tollgate/core";
import type { LegalHoldRecord, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";

/**
 * Legal holds (issue 10): a hold on a workspace or one run stops the retention job from purging
 * it. Who set it, when and why is kept, also after it is released.
 */
export class LegalHoldService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async place(p: Principal, workspaceId: string, body: { runId?: string; reason: string }): Promise<LegalHoldRecord> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const now = iso(this.clock);
    const hold = {
      id: newId("hold"),
      workspaceId,
      runId: body.runId ?? null,
      reason: body.reason,
      createdBy: p.keyId,
      createdAt: now,
    };
    await this.store.transaction(tenantId, async (s) => {
      if (body.runId) {
        const run = await s.runs.get(body.runId);
        if (!run || run.workspaceId !== workspaceId) throw new TollgateError("not_found", `no run ${body.runId}`);
      }
      await s.retention.addHold(hold);
      await s.audit.append(
        [
          {
            type: "legal_hold.placed",
            workspace: workspaceId,
            run: hold.runId,
            actor: p.keyId,
            data: { hold: hold.id, runId: hold.runId, reason: hold.reason },
          },
        ],
        now,
      );
    });
    return { ...hold, releasedBy: null, releasedAt: null };
  }

  async list(p: Principal, workspaceId: string, all: boolean): Promise<LegalHoldRecord[]> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    return this.store.scope(tenantId).retention.holds(workspaceId, !all);
  }

  async release(p: Principal, workspaceId: string, id: string): Promise<void> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      if (!(await s.retention.releaseHold(workspaceId, id, p.keyId, now)))
        throw new TollgateError("not_found", `no active legal hold ${id}`);
      await s.audit.append(
        [{ type: "legal_hold.released", workspace: workspaceId, actor: p.keyId, data: { hold: id } }],
        now,
      );
    });
  }
}
