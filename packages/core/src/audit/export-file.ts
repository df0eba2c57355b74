import type { KeyObject } from "node:crypto";
import { type AuditCheckpoint, checkpointSignatureValid, parsePublicKey } from "./checkpoint.js";
import { type ChainedAuditEvent, bodyOf, chainHash, genesisHash, linkHash } from "./chain.js";

/**
 * The verifiable export file: NDJSON, one row per line, in chain order.
 *   {"kind":"header", format, tenant, workspace, exportedAt, publicKey: {keyId, algorithm, pem}}
 *   {"kind":"event", ...the audit event with prevHash and hash}
 *   {"kind":"elided", seq, prevHash, digest, hash}   another workspace's row: links, no content
 *   {"kind":"checkpoint", tenant, seq, hash, signedAt, keyId, signature}   after the row it signs
 */
export const exportFormat = "tollgate.audit-export.v1";

export interface ExportHeader {
  kind: "header";
  format: typeof exportFormat;
  tenant: string;
  workspace: string;
  exportedAt: string;
  publicKey: { keyId: string; algorithm: "Ed25519"; pem: string };
}
export type ExportEventRow = { kind: "event" } & ChainedAuditEvent;
export interface ExportElidedRow {
  kind: "elided";
  seq: number;
  prevHash: string;
  digest: string;
  hash: string;
}
export type ExportCheckpointRow = { kind: "checkpoint" } & AuditCheckpoint;
export type ExportRow = ExportHeader | ExportEventRow | ExportElidedRow | ExportCheckpointRow;

export interface ExportVerifyResult {
  ok: boolean;
  /** chain rows checked (events and elided rows) */
  checked: number;
  events: number;
  checkpoints: number;
  /** the seq of the first row that was changed, removed or reordered */
  firstBadSeq?: number;
  /** 1-based line of the file where the problem shows */
  line?: number;
  problem?: string;
  /** set when no trusted key was given and the file's own key was used */
  warning?: string;
}

type ChainRow = ExportEventRow | ExportElidedRow;

/**
 * Verifies an export offline. Every row must follow its predecessor (seq + 1, prevHash = the
 * previous hash) and hash to what it claims; every checkpoint must carry a valid signature by the
 * trusted key and match the row at its seq; the last row must be covered by a checkpoint. The
 * first failure is reported with the row's seq and the file's line.
 */
export function verifyExport(text: string, trustedPublicKey?: string): ExportVerifyResult {
  const lines = text.split("\n");
  const result: ExportVerifyResult = { ok: true, checked: 0, events: 0, checkpoints: 0 };
  const fail = (line: number, firstBadSeq: number | undefined, problem: string): ExportVerifyResult => ({
    ...result,
    ok: false,
    line,
    ...(firstBadSeq !== undefined ? { firstBadSeq } : {}),
    problem,
  });

  const rows: { row: ExportRow; line: number }[] = [];
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    try {
      rows.push({ row: JSON.parse(raw) as ExportRow, line: i + 1 });
    } catch {
      return fail(i + 1, undefined, `line ${i + 1} is not JSON`);
    }
  }
  const header = rows[0]?.row;
  if (header?.kind !== "header" || header.format !== exportFormat)
    return fail(1, undefined, `the file does not start with a ${exportFormat} header`);

  let key: KeyObject;
  try {
    key = parsePublicKey(trustedPublicKey ?? header.publicKey?.pem ?? "");
  } catch (e) {
    return fail(1, undefined, (e as Error).message);
  }
  if (!trustedPublicKey)
    result.warning =
      "checked with the public key inside the file; pass a key you obtained separately to trust the result";

  const seen = new Map<number, string>();
  const chainSeqs = new Set(
    rows.filter((r) => r.row.kind === "event" || r.row.kind === "elided").map((r) => (r.row as ChainRow).seq),
  );
  let prev: { seq: number; hash: string } | undefined;
  let lastCovered = 0;

  for (const { row, line } of rows.slice(1)) {
    if (row.kind === "checkpoint") {
      if (row.tenant !== header.tenant)
        return fail(line, row.seq, `the checkpoint at line ${line} is for tenant ${row.tenant}, not ${header.tenant}`);
      if (!checkpointSignatureValid(key, row))
        return fail(line, row.seq, `the checkpoint for row ${row.seq} at line ${line} has no valid signature`);
      result.checkpoints++;
      if (!prev) {
        // a checkpoint before the first row anchors a chain whose earlier rows were purged
        prev = { seq: row.seq, hash: row.hash };
        lastCovered = row.seq;
        continue;
      }
      const hash = seen.get(row.seq);
      if (hash === undefined)
        return fail(
          line,
          prev.seq + 1,
          `the checkpoint at line ${line} signs row ${row.seq}, which is missing from the file`,
        );
      if (hash !== row.hash)
        return fail(line, row.seq, `row ${row.seq} does not match its signed checkpoint: rows up to it were rewritten`);
      lastCovered = Math.max(lastCovered, row.seq);
      continue;
    }
    if (row.kind !== "event" && row.kind !== "elided")
      return fail(
        line,
        undefined,
        `line ${line} has an unknown kind ${JSON.stringify((row as { kind?: unknown }).kind)}`,
      );

    const start = prev ?? (row.seq === 1 ? { seq: 0, hash: genesisHash } : undefined);
    if (!start)
      return fail(
        line,
        row.seq,
        `the file starts at row ${row.seq} without a signed checkpoint for row ${row.seq - 1} to anchor it`,
      );
    const expected = start.seq + 1;
    if (row.seq !== expected) {
      const how =
        row.seq < expected || chainSeqs.has(expected)
          ? `row ${expected} is out of order (found row ${row.seq} where row ${expected} belongs)`
          : `row ${expected} was removed (the next row is ${row.seq})`;
      return fail(line, expected, how);
    }
    if (row.prevHash !== start.hash) return fail(line, row.seq, `row ${row.seq} does not link to the row before it`);
    const hash =
      row.kind === "event" ? chainHash(row.prevHash, bodyOf(row)) : linkHash(row.prevHash, String(row.digest));
    if (hash !== row.hash) return fail(line, row.seq, `row ${row.seq} was changed after it was written`);
    seen.set(row.seq, row.hash);
    prev = { seq: row.seq, hash: row.hash };
    result.checked++;
    if (row.kind === "event") result.events++;
  }
  if (prev && lastCovered < prev.seq)
    return fail(
      rows[rows.length - 1]?.line ?? 1,
      lastCovered + 1,
      `rows ${lastCovered + 1} to ${prev.seq} are not covered by a signed checkpoint`,
    );
  return result;
}
