import { type ExportRow, verifyChain } from "@tollgate/core";
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

  /** Verifies the tenant's whole chain (a workspace's events are interleaved with the tenant's others). */
  async verify(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    const events = [];
    for await (const e of this.store.scope(tenantId).audit.iterate()) events.push(e);
    return verifyChain(events);
  }
}
