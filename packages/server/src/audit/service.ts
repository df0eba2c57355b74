import { checkpointSignatureValid, type ExportRow, verifyChain } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import type { Clock } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import { exportRows } from "./export-file.js";
import type { AuditSigner, PublicSigningKey } from "./signing.js";

export function auditEventView(e: Awaited<ReturnType<ReturnType<Store["scope"]>["audit"]["list"]>>[number]) {
  return { ...e, cursor: String(e.seq) };
}

export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly signer: AuditSigner,
    private readonly clock: Clock,
  ) {}

  /** The tenant's public audit key, for checking exports offline. */
  async publicKey(p: Principal, workspaceId: string): Promise<PublicSigningKey> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    return this.signer.publicKey(tenantId);
  }

  /** The verifiable export file of a workspace, row by row (signs a checkpoint at the head first). */
  async export(p: Principal, workspaceId: string): Promise<AsyncGenerator<ExportRow>> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    return exportRows(this.store, this.signer, this.clock, tenantId, workspaceId);
  }

  async events(p: Principal, workspaceId: string, after: number | undefined, limit: number) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    const items = await this.store
      .scope(tenantId)
      .audit.list({ workspaceId, ...(after !== undefined ? { afterSeq: after } : {}), limit });
    const last = items[items.length - 1];
    return { items: items.map(auditEventView), next: items.length === limit && last ? String(last.seq) : null };
  }

  /**
   * Verifies the tenant's whole chain (a workspace's events are interleaved with the tenant's others).
   * After a retention purge the chain starts later: it is checked from the newest signed checkpoint
   * before its first remaining row, whose signature is checked first (see docs/data-handling.md).
   */
  async verify(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    const scope = this.store.scope(tenantId);
    const events = [];
    for await (const e of scope.audit.iterate()) events.push(e);
    const first = events[0]?.seq ?? (await scope.audit.head()).seq + 1;
    if (first <= 1) return verifyChain(events);
    const anchor = (await scope.auditSigning.checkpoints()).filter((c) => c.seq < first).pop();
    if (!anchor)
      return {
        ok: false,
        checked: 0,
        firstBadSeq: 1,
        problem: `rows before ${first} are gone and no checkpoint covers them`,
      };
    const key = await this.signer.publicKey(tenantId);
    if (!checkpointSignatureValid(key.publicKey, anchor))
      return {
        ok: false,
        checked: 0,
        firstBadSeq: anchor.seq,
        problem: `the checkpoint at ${anchor.seq} is not signed by the tenant's key`,
      };
    return {
      ...verifyChain(events, { seq: anchor.seq, hash: anchor.hash }),
      from: { seq: anchor.seq, signedAt: anchor.signedAt },
    };
  }
}
