import type { AlertRecord } from "@tollgate/store";
import { alertView } from "../alerts/view.js";
import type { ApprovalEvent } from "./enqueue.js";

/** Everything a notification says about one approval; arguments are the stored, redacted ones. */
export interface ApprovalNotice {
  event: ApprovalEvent;
  approvalId: string;
  workspace: string;
  workflow: string;
  runId: string;
  agent: string | null;
  callId: string;
  tool: string;
  class: string;
  args: unknown;
  rules: string[];
  reason: string;
  status: string;
  required: number;
  approvals: number;
  approvers: string[];
  requestedAt: string;
  expiresAt: string;
}

/** The signed webhook's JSON body. It carries no decision links: receivers decide through the API. */
export function webhookBody(n: ApprovalNotice, deliveryId: string, sentAt: string): string {
  return JSON.stringify({
    id: deliveryId,
    type: n.event,
    sentAt,
    approval: {
      id: n.approvalId,
      status: n.status,
      workspace: n.workspace,
      workflow: n.workflow,
      run: n.runId,
      agent: n.agent,
      call: n.callId,
      tool: n.tool,
      class: n.class,
      args: n.args,
      rules: n.rules,
      reason: n.reason,
      approvals: { count: n.approvals, required: n.required },
      approvers: n.approvers,
      requestedAt: n.requestedAt,
      expiresAt: n.expiresAt,
    },
  });
}

/** A chat incoming-webhook message in Slack's Block Kit; the buttons open confirmation pages. */
export function slackBody(n: ApprovalNotice, links: { approve: string; deny: string }): string {
  const title = `${n.event === "approval.escalated" ? "Escalated: approval" : "Approval"} needed for ${n.tool}`;
  const args = JSON.stringify(n.args, null, 2);
  return JSON.stringify({
    text: `${title} (${n.workflow})`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: title.slice(0, 150) } },
      {
        type: "section",
        fields: [
          md(`*Workflow*\n${esc(n.workflow)}`),
          md(`*Agent*\n${esc(n.agent ?? "-")}`),
          md(`*Class*\n${esc(n.class)}`),
          md(`*Expires*\n${esc(n.expiresAt)}`),
        ],
      },
      {
        type: "section",
        text: md(
          `*Why:* ${esc(n.reason)}${n.rules.length ? `\n*Rules:* ${esc(n.rules.join(", "))}` : ""}${
            n.required > 1 ? `\n*Approvers needed:* ${n.required} (${n.approvals} so far)` : ""
          }`,
        ),
      },
      { type: "section", text: md(`\`\`\`${esc(args.length > 2500 ? `${args.slice(0, 2500)}…` : args)}\`\`\``) },
      {
        type: "actions",
        elements: [
          { type: "button", text: plain("Approve…"), style: "primary", url: links.approve },
          { type: "button", text: plain("Deny…"), style: "danger", url: links.deny },
        ],
      },
      {
        type: "context",
        elements: [md(`Approval ${esc(n.approvalId)} · each link opens a confirmation page and works once`)],
      },
    ],
  });
}

const md = (text: string) => ({ type: "mrkdwn", text });
const plain = (text: string) => ({ type: "plain_text", text });
/** Slack's three control characters in mrkdwn. */
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The signed webhook body of an alert: the alert as the API lists it. */
export function alertWebhookBody(alert: AlertRecord, deliveryId: string, sentAt: string): string {
  return JSON.stringify({ id: deliveryId, event: "alert.raised", sentAt, alert: alertView(alert) });
}
