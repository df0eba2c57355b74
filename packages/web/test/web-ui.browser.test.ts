import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflowYaml } from "@tollgate/example-support-triage";
import { type Harness, startHarness, type Workspace, keyOf } from "../../server/test/harness.js";

/**
 * The web UI in Debian's Chromium, as its people use it: an approver signs in with a key,
 * decides a waiting call from the inbox, and follows the run's timeline; an auditor reads the
 * readiness report. The UI is the one `npm run build` makes (packages/web/dist).
 */
const chromiumPath = process.env.TOLLGATE_CHROMIUM ?? "/usr/bin/chromium";
const built = fileURLToPath(new URL("../dist/index.html", import.meta.url));
let h: Harness;
let ws: Workspace;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set TOLLGATE_CHROMIUM)`);
  if (!existsSync(built)) throw new Error("the web UI is not built: run `npm run build`");
  h = await startHarness();
  ws = await h.workspace("webui", "ops");
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A page that fails the test on any script error or refused resource (the CSP included). */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext()).newPage();
  // a step that cannot happen fails in seconds, naming what it waited for
  page.setDefaultTimeout(5000);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  return { page, problems };
}

async function signIn(page: Page, key: string) {
  await page.goto(`${h.url}/`);
  await page.waitForURL(`${h.url}/sign-in`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("the web UI in Chromium", () => {
  it("lets an approver decide a waiting call from the inbox, with its markup shown as text", async () => {
    const hostile = `<img src=x onerror="window.pwned=1">Outage`;
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage", agent: "triage-bot" });
    const call = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: hostile });
    expect(call.status).toBe("pending_approval");

    const { page, problems } = await openPage();
    await signIn(page, keyOf(ws.approver));
    await page.waitForURL(`${h.url}/`);
    // the overview says what waits, and leads there
    await expect.poll(() => page.locator(".tile", { hasText: "waiting" }).textContent()).toBe("1 approval waiting");
    await page.getByRole("link", { name: "Approvals", exact: true }).click();
    await page.waitForURL(`${h.url}/approvals`);
    const card = page.getByRole("article", { name: `approval ${call.approvalId}` });
    await expect.poll(() => card.locator(".tool").textContent()).toBe("tracker.create_issue");
    expect(await card.locator(".json").textContent()).toContain(`"title": ${JSON.stringify(hostile)}`);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await card.textContent()).toContain("default for WRITE is approve");

    await card.getByLabel("Reason (kept in the audit log)").fill("fine, a customer ticket");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe(`tracker.create_issue (${call.approvalId}): approved; Tollgate runs the call now.`);

    const done = await ws.agent.waitForToolCall(call.id, 10);
    expect(done.status).toBe("succeeded");
    const approval = await ws.auditor.getApproval(call.approvalId!);
    expect(approval.decisions).toMatchObject([
      { decision: "approve", reason: "fine, a customer ticket", channel: "ui" },
    ]);
    // the inbox empties once the decision is in
    await expect.poll(() => page.locator(".empty").textContent()).toBe("Nothing is waiting for a decision.");

    await page.getByRole("link", { name: "Runs" }).click();
    await page.getByRole("link", { name: run.id }).click();
    await page.waitForURL(`${h.url}/runs/${run.id}`);
    await expect.poll(() => page.locator(".timeline").textContent()).toContain("approval.decided");
    const timeline = (await page.locator(".timeline").textContent()) ?? "";
    expect(timeline).toContain("tool_call.completed");
    expect(timeline).toContain("fine, a customer ticket");
    // a reload of a deep link opens the same page
    await page.reload();
    await expect.poll(() => page.locator("h2").textContent()).toContain(`Run ${run.id}`);
    expect(problems).toEqual([]);
  });

  it("shows an auditor the readiness report and the inbox without decision buttons", async () => {
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
    const call = await ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "hello" });
    const { page, problems } = await openPage();
    await signIn(page, keyOf(ws.auditor));
    await page.waitForURL(`${h.url}/`);
    await page.getByRole("link", { name: "Approvals", exact: true }).click();
    const card = page.getByRole("article", { name: `approval ${call.approvalId}` });
    await expect.poll(() => card.locator(".tool").textContent()).toBe("chat.post_message");
    expect(await card.getByRole("button").count()).toBe(0);
    expect(await page.textContent("body")).toContain("can read requests but not decide them");

    await page.getByRole("link", { name: "Readiness" }).click();
    await expect.poll(() => page.locator("h2").textContent()).toContain("Readiness of ops");
    const body = (await page.textContent("body")) ?? "";
    expect(body).toContain("Who approves the risky actions?");
    expect(body).toContain("no rate limit for helpdesk, which the workflow can change or send through");
    expect(body).toContain("Is the record of what it did intact?");
    expect(problems).toEqual([]);
  });

  it("lets an admin simulate a call, refuse a bad manifest with its lines, activate a good one, and read usage, alerts and the audit record", async () => {
    const { page, problems } = await openPage();
    await signIn(page, keyOf(ws.admin));
    await page.waitForURL(`${h.url}/`);
    await page.getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("link", { name: "support-triage" }).click();
    await page.waitForURL(`${h.url}/workflows/support-triage`);

    await page.getByLabel("Action").selectOption("tracker.create_issue");
    await page.getByLabel("Arguments (JSON)").fill('{"project": "SEC", "title": "rotate keys"}');
    await page.getByRole("button", { name: "Decide" }).click();
    const decision = page.getByRole("form", { name: "simulate a call" }).getByRole("status");
    await expect.poll(() => decision.textContent()).toContain("rule never-touch-security-project: blocks this call");
    await page.getByLabel("Arguments (JSON)").fill("{not json");
    await page.getByRole("button", { name: "Decide" }).click();
    await expect
      .poll(() => page.getByRole("form", { name: "simulate a call" }).getByRole("alert").textContent())
      .toMatch(/^the arguments are not JSON/);

    const before = (await ws.admin.getWorkflow("ops", "support-triage")).version;
    const editor = page.getByRole("form", { name: "new version" });
    await page.getByLabel("Manifest").fill("apiVersion: tollgate/v1\nkind: Workflow\nname: support-triage\n");
    await page.getByRole("button", { name: "Validate and activate" }).click();
    await expect.poll(() => editor.getByRole("alert").textContent()).toContain("owner (line 1): is required");
    expect((await ws.admin.getWorkflow("ops", "support-triage")).version).toBe(before);
    const changed = workflowYaml(h.systems.url).replace(
      "rateLimits: { tracker: 5/s, chat: 1/s }",
      "rateLimits: { tracker: 5/s, chat: 1/s, helpdesk: 2/s }",
    );
    await page.getByLabel("Manifest").fill(changed);
    await page.getByRole("button", { name: "Validate and activate" }).click();
    await expect.poll(() => editor.getByRole("status").textContent()).toMatch(/^Active: version sha256:/);
    expect((await ws.admin.getWorkflow("ops", "support-triage")).version).not.toBe(before);
    // the version before is in the history; compared with the active one, the changed line shows
    const history = page.getByRole("article", { name: "history" });
    await history.locator("tr", { hasText: before }).getByRole("button", { name: "Compare with active" }).click();
    const diff = page.getByRole("region", { name: "diff" });
    await expect
      .poll(() => diff.locator(".added").allTextContents())
      .toEqual(["+rateLimits: { tracker: 5/s, chat: 1/s, helpdesk: 2/s }"]);

    await page.getByRole("link", { name: "Usage" }).click();
    await expect.poll(() => page.locator("table.usage tfoot").textContent()).toMatch(/^total/);

    await h.server.tollgate.services.alerts.raise({
      tenantId: ws.tenant,
      workspaceId: "ops",
      kind: "call_burst",
      severity: "warning",
      message: "triage-bot made 40 calls in a minute",
    });
    await page.getByRole("link", { name: "Alerts" }).click();
    const alert = page.getByRole("article").filter({ hasText: "triage-bot made 40 calls in a minute" });
    await alert.getByRole("button", { name: "Acknowledge" }).click();
    await expect.poll(() => page.locator(".empty").textContent()).toBe("No open alerts.");
    expect((await ws.admin.listAlerts("ops", { acknowledged: true })).items.map((a) => a.kind)).toContain("call_burst");

    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("button", { name: "Verify" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Intact: \d+ events checked\.$/);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download export" }).click();
    expect((await download).suggestedFilename()).toMatch(/^tollgate-audit-ops-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const hold = await ws.admin.placeLegalHold("ops", { reason: "litigation 2026-41" });
    await page.getByRole("link", { name: "Retention" }).click();
    await expect.poll(() => page.locator("table").textContent()).toContain("workflow support-triage30d90d400d");
    expect(await page.textContent("body")).toContain("the whole workspace: litigation 2026-41");
    await ws.admin.releaseLegalHold("ops", hold.id);

    await page.getByRole("link", { name: "Connectors" }).click();
    await expect
      .poll(() => page.locator(".empty").textContent())
      .toBe("No OAuth connection: the workflows' systems use secrets from the vault, or none.");
    expect(problems.filter((p) => !p.includes("422"))).toEqual([]);
  });

  it("refuses agent keys and wrong keys at sign-in with a sentence, and forgets the key on sign-out", async () => {
    const { page } = await openPage();
    await signIn(page, keyOf(ws.agent));
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe("Agent keys cannot use the web UI: sign in with a person's key.");
    await page.getByLabel("API key").fill("tgk_nope_nope");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/key/i);

    await page.getByLabel("API key").fill(keyOf(ws.admin));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${h.url}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${h.url}/sign-in`);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
