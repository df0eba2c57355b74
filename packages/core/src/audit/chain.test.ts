import { describe, expect, it } from "vitest";
import { type AuditEventBody, type ChainedAuditEvent, bodyOf, chainHash, genesisHash, verifyChain } from "./chain.js";

function chain(n: number): ChainedAuditEvent[] {
  const out: ChainedAuditEvent[] = [];
  let prev = genesisHash;
  for (let i = 1; i <= n; i++) {
    const body: AuditEventBody = {
      seq: i,
      id: `evt_${i}`,
      ts: "2026-01-01T00:00:00.000Z",
      type: "t",
      workspace: "w",
      run: null,
      call: null,
      actor: "k",
      data: { i },
    };
    const hash = chainHash(prev, body);
    out.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe("audit chain", () => {
  it("verifies an untouched chain", () => {
    expect(verifyChain(chain(5))).toEqual({ ok: true, checked: 5 });
  });
  it("finds a changed row", () => {
    const c = chain(5);
    c[2] = { ...c[2]!, data: { i: 99 } };
    expect(verifyChain(c)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });
  it("finds a removed row", () => {
    const c = chain(5);
    c.splice(1, 1);
    expect(verifyChain(c)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });
  it("finds reordered rows", () => {
    const c = chain(5);
    const [a, b] = [c[3]!, c[4]!];
    c[3] = b;
    c[4] = a;
    expect(verifyChain(c)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });
  it("finds a row rewritten with a recomputed hash by the broken link after it", () => {
    const c = chain(4);
    const body = { ...c[1]!, data: { i: 42 } };
    c[1] = { ...body, hash: chainHash(body.prevHash, bodyOf(body)) };
    expect(verifyChain(c)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });
});
