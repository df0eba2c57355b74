import { TollgateClient } from "@tollgate/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
let h: Harness;
let ws: Workspace;

beforeAll(async () => {
  h = await startHarness({ clock });
  ws = await h.workspace("acme", "support");
});
afterAll(async () => h.close());

describe("API keys", () => {
  it("rotates: the old key works through the grace period, then fails; the new one keeps working", async () => {
    const created = await ws.admin.createKey("support", "deploy-bot", "agent");
    const old = new TollgateClient({ url: h.url, key: created.key });
    await old.listRuns("support");
    const rotated = await ws.admin.rotateKey("support", created.id, 3600);
    expect(rotated).toMatchObject({ name: "deploy-bot", role: "agent", replaces: created.id });
    const fresh = new TollgateClient({ url: h.url, key: rotated.key });
    await old.listRuns("support");
    await fresh.listRuns("support");

    clock.offsetMs += 3601_000;
    const expired = await problemOf(old.listRuns("support"));
    expect(expired).toMatchObject({ status: 401, code: "unauthorized", detail: expect.stringMatching(/rotated/) });
    await fresh.listRuns("support");

    const { items } = await ws.admin.listKeys("support");
    expect(items.find((k) => k.id === created.id)).toMatchObject({
      replacedBy: rotated.id,
      expiresAt: rotated.oldKeyExpiresAt,
    });
    expect(items.find((k) => k.id === rotated.id)?.lastUsedAt).toBeTruthy();
    expect((await problemOf(ws.admin.rotateKey("support", created.id))).code).toBe("conflict");
    expect(await ws.auditor.exportAudit("support")).toContain('"key.rotated"');
  });

  it("revokes at once, even inside a rotation's grace period", async () => {
    const created = await ws.admin.createKey("support", "short-lived", "agent");
    const rotated = await ws.admin.rotateKey("support", created.id);
    // both were just used, so both sit in the authentication cache: revoking must drop them
    for (const key of [created.key, rotated.key]) await new TollgateClient({ url: h.url, key }).listRuns("support");
    await ws.admin.revokeKey("support", created.id);
    await ws.admin.revokeKey("support", rotated.id);
    for (const key of [created.key, rotated.key])
      expect((await problemOf(new TollgateClient({ url: h.url, key }).listRuns("support"))).status).toBe(401);
  });

  it("names what is wrong with a rotation request", async () => {
    const p = await problemOf(ws.admin.rotateKey("support", "key_nope", -1));
    expect(p).toMatchObject({ status: 400, code: "invalid_request" });
    expect((await problemOf(ws.admin.rotateKey("support", "key_nope"))).status).toBe(404);
  });
});
