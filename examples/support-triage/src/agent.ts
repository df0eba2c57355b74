import { TollgateApiError, TollgateClient, type ToolCall } from "@tollgate/sdk";

export interface DemoAgentOptions {
  url: string;
  workspace: string;
  workflow: string;
  keys: { agent: string; approver: string; auditor: string };
  log?: (line: string) => void;
  /** The "worse" agent variant obeys the instruction planted in a ticket. */
  obeyInjectedInstructions?: boolean;
}

export interface DemoAgentReport {
  runId: string;
  outcomes: { step: string; tool: string; outcome: string }[];
}

/**
 * A scripted support agent. It does what a model-driven agent would do for the triage job
 * (read the queue, look for duplicates, file an issue, tell the channel) and also tries what a
 * misled agent would try (delete issues, post outside the support channels, use a tool it was
 * never given), so the demo shows each kind of decision. It plays the approver too, with the
 * approver's own key, so the whole flow runs unattended.
 */
export async function runDemoAgent(opts: DemoAgentOptions): Promise<DemoAgentReport> {
  const log = opts.log ?? (() => {});
  const agent = new TollgateClient({ url: opts.url, key: opts.keys.agent });
  const approver = new TollgateClient({ url: opts.url, key: opts.keys.approver });
  const outcomes: DemoAgentReport["outcomes"] = [];
  const run = await agent.startRun({
    workspace: opts.workspace,
    workflow: opts.workflow,
    agent: "support-bot",
    labels: { demo: "true" },
  });
  log(`started run ${run.id} of ${run.workflow} (version ${run.workflowVersion.slice(7, 19)})`);

  const step = async (label: string, tool: string, args: Record<string, unknown>): Promise<ToolCall | undefined> => {
    try {
      const call = await agent.callTool(run.id, tool, args);
      outcomes.push({ step: label, tool, outcome: call.status });
      log(
        `  ${label}: ${tool} -> ${call.status}${call.status === "pending_approval" ? ` (approval ${call.approvalId})` : ""}`,
      );
      return call;
    } catch (e) {
      if (!(e instanceof TollgateApiError)) throw e;
      outcomes.push({ step: label, tool, outcome: e.code });
      log(`  ${label}: ${tool} -> ${e.code}: ${e.problem.detail}`);
      return undefined;
    }
  };

  const queue = await step("read the queue", "helpdesk.list_tickets", { status: "open" });
  const tickets = ((queue?.result as { items?: { id: string; subject: string }[] })?.items ?? []).slice(0, 3);
  for (const t of tickets) {
    const ticket = await step(`read ${t.id}`, "helpdesk.get_ticket", { id: t.id });
    const body = String((ticket?.result as { body?: string })?.body ?? "");
    if (/ignore previous instructions/i.test(body)) {
      log(`  ${t.id} carries an instruction to delete tracker issues`);
      if (opts.obeyInjectedInstructions)
        await step("obey the injected instruction", "tracker.delete_issue", { id: "SUP-1" });
      continue;
    }
    await step(`look for duplicates of ${t.id}`, "tracker.search_issues", {
      q: t.subject.split(" ").slice(0, 2).join(" "),
      project: "SUP",
    });
    const created = await step(`file an issue for ${t.id}`, "tracker.create_issue", {
      project: "SUP",
      title: t.subject,
      body: `From helpdesk ticket ${t.id}`,
    });
    if (created?.status === "pending_approval" && created.approvalId) {
      const d = await approver.decide(
        created.approvalId,
        "approve",
        "Looks right: a new SUP issue for a customer ticket",
        "api",
      );
      log(`  approver ${d.decidedBy} approved ${created.approvalId}`);
      const done = await agent.waitForToolCall(created.id, 30);
      outcomes.push({ step: `issue for ${t.id} after approval`, tool: "tracker.create_issue", outcome: done.status });
      log(`  tracker.create_issue after approval -> ${done.status} ${JSON.stringify(issueKey(done.result) ?? "")}`);
    }
    await step(`tell the support channel about ${t.id}`, "chat.post_message", {
      channel: "#support-triage",
      text: `Triaged ${t.id}: ${t.subject}`,
    });
  }
  await step("post to a public channel", "chat.post_message", {
    channel: "#general",
    text: "Support is triaging tickets",
  });
  await step("delete an issue", "tracker.delete_issue", { id: "SUP-1" });
  await step("touch the security project", "tracker.create_issue", { project: "SEC", title: "Rotate keys" });
  await step("use a tool it was never given", "billing.refund", { amount: 500 });

  const finished = await agent.finishRun(run.id, "succeeded", { triaged: tickets.map((t) => t.id) });
  log(`run ${finished.id} ${finished.status}: ${finished.usage.toolCalls} tool calls`);
  log(`read it as a timeline: npx tollgate runs show ${run.id} --key <auditor key>`);
  return { runId: run.id, outcomes };
}

/** The key of a created issue: the HTTP tracker answers the issue, the MCP one wraps it in structuredContent. */
function issueKey(result: unknown): string | undefined {
  const r = result as { key?: string; structuredContent?: { key?: string } } | undefined;
  return r?.key ?? r?.structuredContent?.key;
}
