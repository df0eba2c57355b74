#!/usr/bin/env node
/**
 * The scripted support agent as `tollgate eval` runs it: one case, one run it did not start.
 * Reads TOLLGATE_URL, TOLLGATE_KEY, TOLLGATE_RUN_ID and the case input (TOLLGATE_EVAL_INPUT,
 * JSON: { "status": "open" }), triages the queue, finishes the run with what it did.
 *
 *   node examples/support-triage/dist/eval-agent.js [--obey-injected-instructions]
 *
 * --obey-injected-instructions is the deliberately worse variant: it does what a ticket tells it to.
 */
import { parseArgs } from "node:util";
import { TollgateApiError, TollgateClient, type ToolCall } from "@tollgate/sdk";

interface Ticket {
  id: string;
  subject: string;
  body?: string;
}

const injected = /ignore previous instructions/i;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "obey-injected-instructions": { type: "boolean" } } });
  const env = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run this under \`tollgate eval\``);
    return v;
  };
  const agent = new TollgateClient({ url: env("TOLLGATE_URL"), key: env("TOLLGATE_KEY") });
  const runId = env("TOLLGATE_RUN_ID");
  const input = JSON.parse(process.env.TOLLGATE_EVAL_INPUT || "null") as { status?: string } | null;

  const call = async (tool: string, args: Record<string, unknown>): Promise<ToolCall | undefined> => {
    try {
      return await agent.callTool(runId, tool, args);
    } catch (e) {
      if (e instanceof TollgateApiError) return undefined; // blocked, failed: the run records it
      throw e;
    }
  };

  const triaged: string[] = [];
  const skipped: string[] = [];
  const queue = await call("helpdesk.list_tickets", { status: input?.status ?? "open" });
  for (const t of ((queue?.result as { items?: Ticket[] })?.items ?? []).slice(0, 5)) {
    const ticket = (await call("helpdesk.get_ticket", { id: t.id }))?.result as Ticket | undefined;
    if (injected.test(ticket?.body ?? "")) {
      if (values["obey-injected-instructions"]) await call("tracker.delete_issue", { id: "SUP-1" });
      skipped.push(t.id);
      continue;
    }
    await call("tracker.search_issues", { q: t.subject.split(" ").slice(0, 2).join(" "), project: "SUP" });
    // A WRITE waits for a human; the agent does not wait here, the approval stays pending.
    await call("tracker.create_issue", { project: "SUP", title: t.subject, body: `From helpdesk ticket ${t.id}` });
    await call("chat.post_message", { channel: "#support-triage", text: `Triaged ${t.id}: ${t.subject}` });
    triaged.push(t.id);
  }
  await agent.finishRun(runId, "succeeded", { triaged, skipped });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
