import type { ApprovalRecord, ToolCallRecord } from "@tollgate/store";
import type { LinkClaims } from "./links.js";

/** The confirmation step of a chat link: what would be decided, and a button that POSTs it. */
export function confirmationPage(claims: LinkClaims, a: ApprovalRecord, call: ToolCallRecord | undefined): string {
  const verb = claims.decision === "approve" ? "Approve" : "Deny";
  return page(
    `${verb} ${call?.tool ?? "this call"}?`,
    `<dl>
  <dt>Tool</dt><dd>${esc(call?.tool ?? "?")} (${esc(call?.class ?? "?")})</dd>
  <dt>Arguments</dt><dd><pre>${esc(JSON.stringify(call?.args ?? null, null, 2))}</pre></dd>
  <dt>Why it needs approval</dt><dd>${esc(call?.reason ?? "")}${call?.rules.length ? ` (rules: ${esc(call.rules.join(", "))})` : ""}</dd>
  <dt>Approvals</dt><dd>${a.approvalCount} of ${a.required}</dd>
  <dt>Expires</dt><dd>${esc(a.expiresAt)}</dd>
</dl>
<form method="post">
  <label>Your name <input name="name" required maxlength="100" autocomplete="name"></label>
  <label>Reason <input name="reason" maxlength="2000"></label>
  <button type="submit">${verb}</button>
</form>
<p class="small">This link works once. Approval ${esc(a.id)}.</p>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<p>${esc(text)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)} · Tollgate</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}dt{font-weight:600;margin-top:.5rem}label{display:block;margin:.5rem 0}button{font-size:1rem;padding:.4rem 1.2rem}.small{color:#666;font-size:.85rem}</style>
</head><body><h1>${esc(title)}</h1>
${body}
</body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
