import { type AuditCheckpoint, eventDigest, bodyOf, exportFormat, type ExportRow } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { AuditSigner } from "./signing.js";

/**
 * The verifiable export of one workspace (format in core's audit/export-file.ts): a header with
 * the public key, every row of the tenant's chain up to a checkpoint signed now (another
 * workspace's rows as digests only, so the chain still links without showing them), and every
 * signed checkpoint after the row it covers.
 */
export async function* exportRows(
  store: Store,
  signer: AuditSigner,
  clock: Clock,
  tenantId: string,
  workspaceId: string,
): AsyncGenerator<ExportRow> {
  const key = await signer.publicKey(tenantId);
  const last = await signer.checkpoint(tenantId);
  yield {
    kind: "header",
    format: exportFormat,
    tenant: tenantId,
    workspace: workspaceId,
    exportedAt: iso(clock),
    publicKey: { keyId: key.keyId, algorithm: "Ed25519", pem: key.publicKey },
  };
  if (!last) return;
  const scope = store.scope(tenantId);
  const checkpoints = (await scope.auditSigning.checkpoints()).filter((c) => c.seq <= last.seq);
  let next = 0;
  const checkpointRow = (c: AuditCheckpoint): ExportRow => ({ kind: "checkpoint", ...c });
  let first = true;
  for await (const e of scope.audit.iterate()) {
    if (e.seq > last.seq) break;
    if (first) {
      // after a retention purge the chain starts later: the newest checkpoint before it anchors it
      const anchors = checkpoints.filter((c) => c.seq < e.seq);
      if (anchors.length > 0 && e.seq > 1) yield checkpointRow(anchors[anchors.length - 1]!);
      while (next < checkpoints.length && checkpoints[next]!.seq < e.seq) next++;
      first = false;
    }
    yield e.workspace === workspaceId
      ? { kind: "event", ...e }
      : { kind: "elided", seq: e.seq, prevHash: e.prevHash, digest: eventDigest(bodyOf(e)), hash: e.hash };
    while (next < checkpoints.length && checkpoints[next]!.seq <= e.seq) yield checkpointRow(checkpoints[next++]!);
  }
}
