import type { ExportEvent } from "./classify.js";

/**
 * Tollgate's own event as a SIEM receives it: the audit row with its chain hashes, the tenant and
 * the run's trace id. `id` is stable across redeliveries, so a receiver can drop duplicates.
 */
export function nativeEvent({ tenant, event: e, traceId }: ExportEvent): Record<string, unknown> {
  return {
    schema: "tollgate.audit.v1",
    id: e.id,
    seq: e.seq,
    time: e.ts,
    type: e.type,
    tenant,
    workspace: e.workspace,
    run: e.run,
    call: e.call,
    actor: e.actor,
    traceId,
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
