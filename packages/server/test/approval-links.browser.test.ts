import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "./approvals-support.js";
import { type Harness, startHarness, type Workspace } from "./harness.js";

/**
 * The one page Tollgate serves to a person's browser: the confirmation step of a chat message's
 * approve and deny links. Opened in Chromium (Debian's, `TOLLGATE_CHROMIUM` or /usr/bin/chromium)
 * as an approver would: the call is shown as stored (redacted, its markup inert), the form decides
 * once, and the link then says it was used.
 */
const chromiumPath = process.env.TOLLGATE_CHROMIUM ?? "/usr/bin/chromium";

let h: Harness;
let ws: Workspace;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set TOLLGATE_CHROMIUM)`);
  receiver = await startReceiver();
  h = await startHarness({ tuning: { jobIntervalMs: 0 } });
  ws = await h.workspace("browsers", "ops");
  await ws.admin.putSecret("ops", "approvals-slack", `${receiver.url}/slack`);
  await ws.admin.putNotifications("ops", [{ name: "chat", kind: "slack", urlSecretRef: "approvals-slack" }]);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await receiver?.close();
});

/** A call waiting for approval, and the approve and deny links of its chat message. */
async function pendingWithLinks(title: string) {
  const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
  const call = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title });
  expect(call.status).toBe("pending_approval");
  await h.server.tollgate.services.jobs.runOnce();
  const message = receiver.received
    .filter((r) => r.path === "/slack")
    .map((r) => JSON.parse(r.body))
    .find((m) => JSON.stringify(m).includes(call.approvalId as string));
  const actions = message.blocks.find((b: { type: string }) => b.type === "actions");
  const [approve, deny] = actions.elements.map((e: { url: string }) => e.url as string);
  return { call, approve: approve as string, deny: deny as string };
}

describe("the approval link page in Chromium", () => {
  it("shows the call with its markup inert, decides once from the form, and then says the link was used", async () => {
    const hostile = `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>`;
    const { call, approve, deny } = await pendingWithLinks(hostile);
    const context = await browser.newContext();
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on("pageerror", (e) => scriptErrors.push(e.message));

    const shown = await page.goto(approve);
    expect(shown?.status()).toBe(200);
    expect(shown?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await expect(page.title()).resolves.toBe("Approve tracker.create_issue? · Tollgate");
    // the arguments are text, not markup: nothing of them ran or became an element
    expect(await page.locator("pre").innerText()).toContain(`"title": ${JSON.stringify(hostile)}`);
    expect(await page.locator("img, script").count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect((await ws.agent.getToolCall(call.id)).status).toBe("pending_approval"); // opening decides nothing

    // the form refuses to go without a name (the browser's own check), then decides
    await page.getByRole("button", { name: "Approve" }).click();
    expect(await page.title()).toBe("Approve tracker.create_issue? · Tollgate");
    await page.getByLabel("Your name").fill("Dana");
    await page.getByLabel("Reason").fill("looked at it");
    await Promise.all([page.waitForURL(approve), page.getByRole("button", { name: "Approve" }).click()]);
    await expect(page.locator("h1").innerText()).resolves.toBe("Decision recorded");
    expect(await page.locator("p").innerText()).toMatch(/The call is now (approved|executing|succeeded)/);
    expect((await ws.agent.waitForToolCall(call.id, 10)).status).toBe("succeeded");
    const detail = await ws.approver.getApproval(call.approvalId as string);
    expect(detail.decisions).toEqual([
      expect.objectContaining({ name: "Dana (chat link)", channel: "chat", reason: "looked at it" }),
    ]);

    // the same link, and the other one, afterwards
    expect((await page.goto(approve))?.status()).toBe(409);
    await expect(page.locator("h1").innerText()).resolves.toBe("Already decided");
    expect((await page.goto(deny))?.status()).toBe(409);
    expect(scriptErrors).toEqual([]);
    await context.close();
  });

  it("denies from the deny link, and a tampered link shows why nothing was decided", async () => {
    const { call, deny } = await pendingWithLinks("Deny me");
    const context = await browser.newContext();
    const page = await context.newPage();
    const tampered = new URL(deny);
    tampered.searchParams.set("token", `${tampered.searchParams.get("token")}x`);
    expect((await page.goto(tampered.toString()))?.status()).toBe(404);
    await expect(page.locator("h1").innerText()).resolves.toBe("Not decided");

    await page.goto(deny);
    await expect(page.title()).resolves.toBe("Deny tracker.create_issue? · Tollgate");
    await page.getByLabel("Your name").fill("Eve");
    await Promise.all([page.waitForURL(deny), page.getByRole("button", { name: "Deny" }).click()]);
    await expect(page.locator("h1").innerText()).resolves.toBe("Decision recorded");
    expect((await ws.agent.getToolCall(call.id)).status).toBe("denied");
    await context.close();
  });
});
