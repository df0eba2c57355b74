import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, type Received, startReceiver } from "./approvals-support.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const clock = new ManualClock();
const webhookSecret = "whsec_test_0123456789abcdef";

beforeAll(async () => {
  receiver = await startReceiver();
  h = await startHarness({
    clock,
    tuning: { jobIntervalMs: 0, notifications: { initialDelayMs: 1_000, maxDelayMs: 60_000 } },
  });
  ws = await h.workspace("hooli", "ops");
  await ws.admin.putSecret("ops", "approvals-webhook", webhookSecret);
  await ws.admin.putSecret("ops", "approvals-slack", `${receiver.url}/slack`);
  await ws.admin.putNotifications("ops", [
    { name: "hook", kind: "webhook", url: `${receiver.url}/hook`, secretRef: "approvals-webhook" },
    { name: "chat", kind: "slack", urlSecretRef: "approvals-slack" },
  ]);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const jobs = () => h.server.tollgate.services.jobs.runOnce();
const newestTo = (path: string): Received => {
  const r = receiver.received.filter((x) => x.path === path).at(-1);
  if (!r) throw new Error(`nothing received at ${path}`);
  return r;
};

/** What a receiver does: recompute HMAC-SHA256 over "<t>.<body>" and compare in constant time. */
function receiverVerifies(header: string, body: string, secret: string): boolean {
  const fields = Object.fromEntries(header.split(",").map((kv) => kv.split("=")));
  const expected = createHmac("sha256", secret).update(`${fields.t}.${body}`).digest();
  const given = Buffer.from(fields.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function pendingCall(title: string) {
  const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
  return ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title });
}

function chatLinks(approvalId: string): { approve: string; deny: string } {
  const msg = receiver.received
    .filter((x) => x.path === "/slack")
    .map((x) => JSON.parse(x.body))
    .find((m) => JSON.stringify(m).includes(approvalId));
  const actions = msg.blocks.find((b: { type: string }) => b.type === "actions");
  const [approve, deny] = actions.elements.map((e: { url: string }) => e.url);
  return { approve, deny };
}

const confirm = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

describe("notification channels", () => {
  it("refuses a channel whose secret is not set, and never shows secrets", async () => {
    const p = await problemOf(
      ws.admin.putNotifications("ops", [
        { name: "x", kind: "webhook", url: "https://example.com/h", secretRef: "missing" },
      ]),
    );
    expect(p).toMatchObject({
      status: 400,
      code: "invalid_request",
      detail: expect.stringContaining("secret missing"),
    });
    const settings = await ws.admin.getNotifications("ops");
    expect(settings.channels.map((c) => c.name)).toEqual(["chat", "hook"]);
    expect(JSON.stringify(settings)).not.toContain(webhookSecret);
    expect((await problemOf(ws.approver.getNotifications("ops"))).code).toBe("forbidden");
  });

  it("sends a webhook a receiver can verify, retrying with backoff when the receiver is down", async () => {
    receiver.failNext(1);
    const call = await pendingCall("Signed");
    expect(call.status).toBe("pending_approval");
    await jobs(); // the webhook or chat attempt meets the 503
    const failed = (await ws.admin.getNotifications("ops")).deliveries.filter(
      (d) => d.approvalId === call.approvalId && d.status === "pending",
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 1, lastError: expect.stringContaining("503") });
    await jobs(); // not due yet: nothing is sent again
    expect((await ws.admin.getNotifications("ops")).deliveries.find((d) => d.id === failed[0]!.id)?.attempts).toBe(1);
    clock.advance(2_000);
    await jobs();
    const all = (await ws.admin.getNotifications("ops")).deliveries.filter((d) => d.approvalId === call.approvalId);
    expect(all.map((d) => d.status)).toEqual(["delivered", "delivered"]);

    const hook = newestTo("/hook");
    const signature = String(hook.headers["x-tollgate-signature"]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(receiverVerifies(signature, hook.body, webhookSecret)).toBe(true);
    expect(receiverVerifies(signature, hook.body.replace("Signed", "Forged"), webhookSecret)).toBe(false);
    expect(receiverVerifies(signature, hook.body, "another-secret")).toBe(false);
    expect(JSON.parse(hook.body)).toMatchObject({
      type: "approval.requested",
      approval: { id: call.approvalId, tool: "tracker.create_issue", args: { title: "Signed" }, status: "pending" },
    });
    expect(hook.headers["x-tollgate-event"]).toBe("approval.requested");
  });
});

describe("chat links", () => {
  it("posts a Block Kit message whose link asks to confirm, decides once, and cannot be replayed", async () => {
    const call = await pendingCall("From chat");
    await jobs();
    const links = chatLinks(call.approvalId!);
    expect(links.approve).toContain(`${h.url}/approval-links?token=`);

    const page = await fetch(links.approve);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("tracker.create_issue");
    expect(html).toContain('method="post"');
    expect((await ws.agent.getToolCall(call.id)).status).toBe("pending_approval"); // a GET decides nothing

    expect((await confirm(links.approve, {})).status).toBe(400); // who is deciding must be said
    const done = await confirm(links.approve, { name: "Dana", reason: "fine by me" });
    expect(done.status).toBe(200);
    expect((await ws.agent.waitForToolCall(call.id, 10)).status).toBe("succeeded");

    const replay = await confirm(links.approve, { name: "Dana" });
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain("already used");
    expect((await confirm(links.deny, { name: "Eve" })).status).toBe(409);
    expect(
      h.systems
        .requests({ system: "tracker", method: "POST" })
        .filter((r) => JSON.stringify(r.body).includes("From chat")),
    ).toHaveLength(1);

    const detail = await ws.approver.getApproval(call.approvalId!);
    expect(detail.decisions).toEqual([
      expect.objectContaining({ name: "Dana (chat link)", role: "chat-link", channel: "chat", reason: "fine by me" }),
    ]);
  });

  it("refuses a forged link, and a link whose call arguments changed", async () => {
    const call = await pendingCall("Tampered");
    await jobs();
    const { approve } = chatLinks(call.approvalId!);
    const [body, mac] = new URL(approve).searchParams.get("token")!.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, decision: "approve", link: "lnk_other" })).toString(
      "base64url",
    );
    expect((await confirm(`${h.url}/approval-links?token=${forgedBody}.${mac}`, { name: "Mallory" })).status).toBe(404);
    expect((await fetch(`${h.url}/approval-links?token=nonsense`)).status).toBe(404);

    await h.server.tollgate.services.store.db
      .updateTable("approvals")
      .set({ args_hash: "f".repeat(64) })
      .where("id", "=", call.approvalId!)
      .execute();
    const changed = await confirm(approve, { name: "Dana" });
    expect(changed.status).toBe(409);
    expect(await changed.text()).toContain("other arguments");
    expect((await ws.agent.getToolCall(call.id)).status).toBe("pending_approval");
  });

  it("refuses a link after its deadline", async () => {
    const call = await pendingCall("Late");
    await jobs();
    const { deny } = chatLinks(call.approvalId!);
    clock.advance(5 * 3_600_000);
    expect((await confirm(deny, { name: "Dana" })).status).toBe(409);
  });
});

describe("alerts through the outbox", () => {
  const alerts = () => h.server.tollgate.services.alerts;
  const alertNamed = async (kind: string) => {
    await alerts().idle();
    const [alert] = (await ws.approver.listAlerts("ops", { kind })).items;
    if (!alert) throw new Error(`no ${kind} alert`);
    return alert;
  };
  const deliveriesOf = async (alertId: string) =>
    (await ws.admin.getNotifications("ops")).deliveries.filter((d) => d.alertId === alertId);

  it("sends an alert to the webhook channels at once, retries it when the receiver is down, and says how it went", async () => {
    receiver.failNext(1);
    await alerts().raise({
      tenantId: ws.tenant,
      workspaceId: "ops",
      kind: "retried",
      severity: "warning",
      message: "x",
    });
    const pending = await alertNamed("retried");
    expect(pending).toMatchObject({ delivery: "pending", deliveryError: "hook: receiver answered 503" });
    // webhook channels only: the chat channel gets approvals
    expect(await deliveriesOf(pending.id)).toMatchObject([{ channel: "hook", status: "pending", attempts: 1 }]);
    clock.advance(2_000);
    await jobs();
    expect(await alertNamed("retried")).toMatchObject({ delivery: "delivered", deliveryError: null });
    expect(await deliveriesOf(pending.id)).toMatchObject([{ status: "delivered", attempts: 2 }]);
    const hook = newestTo("/hook");
    expect(hook.headers["x-tollgate-event"]).toBe("alert.raised");
    expect(JSON.parse(hook.body)).toMatchObject({ event: "alert.raised", alert: { id: pending.id, kind: "retried" } });
    expect(receiverVerifies(String(hook.headers["x-tollgate-signature"]), hook.body, webhookSecret)).toBe(true);
  });

  it("gives an alert's delivery up after the last attempt, audits that, and marks the alert failed", async () => {
    receiver.failNext(1_000);
    try {
      await alerts().raise({
        tenantId: ws.tenant,
        workspaceId: "ops",
        kind: "given_up",
        severity: "critical",
        message: "y",
      });
      const alert = await alertNamed("given_up");
      for (let i = 0; i < 12 && (await deliveriesOf(alert.id))[0]?.status === "pending"; i++) {
        clock.advance(61_000);
        await jobs();
      }
      expect(await deliveriesOf(alert.id)).toMatchObject([{ status: "failed", attempts: 10 }]);
      expect(await alertNamed("given_up")).toMatchObject({
        delivery: "failed",
        deliveryError: "hook: receiver answered 503",
      });
      const failedEvents = [];
      for await (const e of ws.auditor.allAuditEvents("ops"))
        if (e.type === "notification.failed") failedEvents.push(e.data);
      expect(failedEvents).toContainEqual(
        expect.objectContaining({ alertId: alert.id, event: "alert.raised", attempts: 10 }),
      );
    } finally {
      receiver.failNext(0);
    }
  });
});
