import { canonicalJson, sha256Hex } from "../canonical.js";

/** The hash every tenant's chain starts from. */
export const genesisHash = "0".repeat(64);

/** The part of an audit event that the chain covers: everything but the hashes themselves. */
export interface AuditEventBody {
  seq: number;
  id: string;
  ts: string;
  type: string;
  workspace: string | null;
  run: string | null;
  call: string | null;
  actor: string | null;
  data: Record<string, unknown>;
}

export interface ChainedAuditEvent extends AuditEventBody {
  prevHash: string;
  hash: string;
}

/** The digest of one event's body: sha256 of its canonical JSON. */
export function eventDigest(event: AuditEventBody): string {
  return sha256Hex(canonicalJson(event));
}

/** One link of the chain from the previous hash and an event's digest. */
export function linkHash(prevHash: string, digest: string): string {
  return sha256Hex(prevHash + digest);
}

/**
 * hash = sha256(prev_hash ‖ sha256(canonical event)). Hashing the digest (rather than the event
 * itself) lets an export carry another workspace's row as just (seq, prevHash, digest, hash): the
 * link still verifies without revealing the row.
 */
export function chainHash(prevHash: string, event: AuditEventBody): string {
  return linkHash(prevHash, eventDigest(event));
}

export function bodyOf(e: ChainedAuditEvent): AuditEventBody {
  return {
    seq: e.seq,
    id: e.id,
    ts: e.ts,
    type: e.type,
    workspace: e.workspace,
    run: e.run,
    call: e.call,
    actor: e.actor,
    data: e.data,
  };
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadSeq?: number;
  problem?: string;
}

/**
 * Walks events in the order given. A changed row fails its own hash; a removed row leaves a gap
 * in `seq` and a broken `prevHash` link; a reordered pair breaks the sequence. The first row
 * where any of these shows is reported.
 */
export function verifyChain(
  events: Iterable<ChainedAuditEvent>,
  start: { seq: number; hash: string } = { seq: 0, hash: genesisHash },
): VerifyResult {
  let expectedSeq = start.seq + 1;
  let prev = start.hash;
  let checked = 0;
  for (const e of events) {
    if (e.seq !== expectedSeq) {
      return {
        ok: false,
        checked,
        firstBadSeq: Math.min(e.seq, expectedSeq),
        problem: `expected seq ${expectedSeq}, found ${e.seq}: a row is missing or out of order`,
      };
    }
    if (e.prevHash !== prev) {
      return { ok: false, checked, firstBadSeq: e.seq, problem: `row ${e.seq} does not link to the row before it` };
    }
    if (chainHash(prev, bodyOf(e)) !== e.hash) {
      return { ok: false, checked, firstBadSeq: e.seq, problem: `row ${e.seq} was changed after it was written` };
    }
    prev = e.hash;
    expectedSeq++;
    checked++;
  }
  return { ok: true, checked };
}
