import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyExport } from "@tollgate/core";
import { openStore } from "@tollgate/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./approvals-support.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;
const clock = new ManualClock();
const day = 86_400_000;

beforeAll(async () => {
  h = await startHarness({ clock, tuning: { jobIntervalMs: 0 } });
  ws = await h.workspace("acme", "support");
});
afterAll(async () => h.close());

/** A finished run with one call whose result is stored. */
async function finishedRun(): Promise<{ runId: string; callId: string }> {
  const run = await ws.agent.startRun({ workspace: "support", workflow: "support-triage", agent: "bot" });
  const call = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
  await ws.agent.finishRun(run.id, "succeeded", { summary: "done" });
  return { runId: run.id, callId: call.id };
}

describe("retention, legal holds and audit verification across purges", () => {
  it("sets windows through the API; a workflow's own data.retention wins over the workspace's", async () => {
    const shown = await ws.admin.setRetention("support", { payloads: "7d", runs: "60d", audit: "30d" });
    expect(shown.settings).toEqual({ payloads: "7d", runs: "60d", audit: "30d" });
    // the example manifest says payloads 30d, runs 90d, audit 400d
    expect(shown.workflows).toEqual([
      { workflow: "support-triage", windows: { payloads: "30d", runs: "90d", audit: "400d" } },
    ]);
    expect((await problemOf(ws.admin.setRetention("support", { runs: "forever" }))).code).toBe("invalid_request");
    expect((await problemOf(ws.agent.setRetention("support", { runs: "1d" }))).code).toBe("forbidden");
    const events = await ws.auditor.auditEvents("support");
    expect(events.items.map((e) => e.type)).toContain("retention.set");
  });

  it("purges payloads past their window (decision record kept), then whole runs; holds stop both", async () => {
    const a = await finishedRun();
    const held = await finishedRun();
    const hold = await ws.admin.placeLegalHold("support", { runId: held.runId, reason: "litigation 2026-17" });
    expect(hold).toMatchObject({ runId: held.runId, reason: "litigation 2026-17", createdBy: expect.any(String) });

    clock.advance(10 * day);
    const early = await ws.admin.purge("support", { dryRun: true });
    expect(early.workspaces[0]!.workflows[0]!.payloads.runs).toBe(0);

    clock.advance(25 * day);
    const dry = await ws.admin.purge("support", { dryRun: true });
    expect(dry.workspaces[0]).toMatchObject({ heldRuns: 1, workflows: [{ payloads: { runs: 1 }, runs: { runs: 0 } }] });
    expect(await ws.agent.getToolCall(a.callId)).toMatchObject({ status: "succeeded", result: { id: "T-1001" } });

    await h.server.tollgate.services.jobs.runOnce();
    const purged = await ws.agent.getToolCall(a.callId);
    expect(purged).toMatchObject({
      tool: "helpdesk.get_ticket",
      class: "READ",
      decision: "allow",
      status: "succeeded",
      args: "[purged]",
      result: "[purged]",
    });
    expect((await ws.agent.getToolCall(held.callId)).result).toMatchObject({ id: "T-1001" });
    const purgeEvent = (await ws.auditor.auditEvents("support", undefined, 1000)).items.find(
      (e) => e.type === "data.purged",
    );
    expect(purgeEvent?.data).toMatchObject({ what: "payloads", window: "30d", counts: { runs: 1, toolCalls: 1 } });

    clock.advance(60 * day);
    await h.server.tollgate.services.jobs.runOnce();
    expect((await problemOf(ws.agent.getRun(a.runId))).status).toBe(404);
    expect((await ws.agent.getRun(held.runId)).id).toBe(held.runId);

    await ws.admin.releaseLegalHold("support", hold.id);
    expect((await ws.admin.legalHolds("support", { all: true })).items[0]).toMatchObject({
      releasedAt: expect.any(String),
    });
    clock.advance(2 * 60_000);
    await h.server.tollgate.services.jobs.runOnce();
    expect((await problemOf(ws.agent.getRun(held.runId))).status).toBe(404);
  });

  it("a hold on the workspace stops every purge there", async () => {
    const r = await finishedRun();
    const hold = await ws.admin.placeLegalHold("support", { reason: "regulator request" });
    clock.advance(500 * day);
    const report = await ws.admin.purge("support");
    expect(report.workspaces[0]).toMatchObject({ held: true, workflows: [] });
    expect((await ws.agent.getToolCall(r.callId)).result).toMatchObject({ id: "T-1001" });
    expect((await ws.auditor.verifyAudit("support")).ok).toBe(true);
    await ws.admin.releaseLegalHold("support", hold.id);
    expect((await problemOf(ws.admin.releaseLegalHold("support", hold.id))).status).toBe(404);
  });

  it("purges the audit chain's prefix and still verifies from the signed checkpoint; exports verify too", async () => {
    const before = await ws.auditor.auditEvents("support", undefined, 1);
    const dry = await ws.admin.purge("support", { dryRun: true });
    expect(dry.audit.events).toBeGreaterThan(0);
    const report = await ws.admin.purge("support");
    expect(report.audit.through).toBe(dry.audit.through);
    const after = await ws.auditor.auditEvents("support", undefined, 1000);
    expect(after.items[0]!.seq).toBeGreaterThan(before.items[0]!.seq);
    expect(after.items.some((e) => e.type === "data.purged" && (e.data as { what: string }).what === "audit")).toBe(
      true,
    );
    const verified = await ws.auditor.verifyAudit("support");
    expect(verified).toMatchObject({ ok: true, from: { seq: report.audit.through } });
    expect((await ws.admin.purge("support", { dryRun: true })).audit.through).toBeNull();
    const exported = await ws.auditor.exportAudit("support");
    const key = await ws.auditor.auditPublicKey("support");
    expect(verifyExport(exported, key.publicKey)).toMatchObject({ ok: true });
  });
});

describe("tenant export and deletion", () => {
  it("exports every row (sealed values as ciphertext), deletes them and the data key; a saved copy no longer opens", async () => {
    const other = await h.workspace("globex", "ops");
    await other.admin.putSecret("ops", "db-password", "canary-Secret-Value-4711");
    await expect(other.agent.retention("ops")).rejects.toThrow();
    expect((await problemOf(other.admin.exportTenant("globex"))).code).toBe("forbidden");
    expect((await problemOf(other.admin.exportTenant("acme"))).status).toBe(404);

    const text = await h.operator.exportTenant("globex");
    const rows = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> });
    expect(rows[0]).toMatchObject({ table: "tenants", row: { id: "globex" } });
    expect(rows[0]!.row.wrapped_key).toBeUndefined();
    const secret = rows.find((r) => r.table === "secrets" && r.row.name === "db-password");
    expect(String(secret?.row.ciphertext)).toMatch(/^v1:/);
    expect(text).not.toContain("canary-Secret-Value-4711");
    expect(rows.filter((r) => r.table === "api_keys").every((r) => r.row.secret_hash === undefined)).toBe(true);

    // a "backup" of the tenant's sealed row, taken before deletion
    const vault = h.server.tollgate.services.vault;
    expect(await vault.open("globex", "secrets", "ops/db-password", String(secret!.row.ciphertext))).toBe(
      "canary-Secret-Value-4711",
    );
    const dbFile = join(h.dataDir, "tollgate.db");
    const backup = join(h.dataDir, "backup.db");
    copyFileSync(dbFile, backup);
    if (existsSync(`${dbFile}-wal`)) copyFileSync(`${dbFile}-wal`, `${backup}-wal`);

    const deleted = await h.operator.deleteTenant("globex");
    expect(deleted.deleted).toMatchObject({ tenants: 1, secrets: 4, workspaces: 1 });
    await expect(vault.open("globex", "secrets", "ops/db-password", String(secret!.row.ciphertext))).rejects.toThrow(
      /no tenant globex/,
    );
    expect((await problemOf(other.admin.retention("ops"))).status).toBe(401);
    expect((await problemOf(h.operator.deleteTenant("globex"))).status).toBe(404);
    // acme is untouched
    expect((await ws.admin.retention("support")).workspace).toBe("support");
    expect(readFileSync(backup).length).toBeGreaterThan(0);
    const copy = await openStore({ sqliteFile: backup });
    const copied = await copy.db
      .selectFrom("secrets")
      .select("ciphertext")
      .where("tenant_id", "=", "globex")
      .executeTakeFirstOrThrow();
    await copy.close();
    // the copy still holds the ciphertext, but the key to open it is gone
    await expect(vault.open("globex", "secrets", "ops/db-password", copied.ciphertext)).rejects.toThrow();
  });
});
