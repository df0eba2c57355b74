import { errorCodes, TollgateError } from "@tollgate/core";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { Services } from "../../services.js";
import { confirmationPage, messagePage } from "../../approvals/link-pages.js";
import { parseInput } from "../input.js";

// the token rides in the query: it is longer than the router allows a path parameter to be
const tokenQuery = z.object({ token: z.string().min(1).max(2048) }).strict();

const form = z
  .object({
    name: z.string().trim().min(1, "say who you are").max(100),
    reason: z.string().trim().max(2000).optional(),
  })
  .strict();

/**
 * The chat link's two steps, outside the API's key authentication (the signed link is the
 * credential): GET shows what would be decided and asks to confirm, POST decides. A link preview
 * bot that fetches the URL therefore never decides anything.
 */
export function approvalLinkRoutes(app: FastifyInstance, s: Services): void {
  app.register(async (links) => {
    links.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );

    links.get("/approval-links", async (req, reply) => {
      try {
        const { token } = parseInput(tokenQuery, req.query, "query");
        const { claims, approval, call } = await s.approvalLinks.preview(token);
        if (approval.status !== "pending")
          return html(reply, 409, messagePage("Already decided", `This approval is ${approval.status}.`));
        return html(reply, 200, confirmationPage(claims, approval, call));
      } catch (e) {
        return failure(reply, e);
      }
    });

    links.post("/approval-links", async (req, reply) => {
      try {
        const { token } = parseInput(tokenQuery, req.query, "query");
        const body = parseInput(form, req.body);
        const d = await s.approvalLinks.decide(token, body.name, body.reason);
        const outcome =
          d.status === "pending"
            ? `Your approval is recorded (${d.approvals.count} of ${d.approvals.required}); it waits for another approver.`
            : `The call is now ${d.status}.`;
        return html(reply, 200, messagePage("Decision recorded", outcome));
      } catch (e) {
        return failure(reply, e);
      }
    });
  });
}

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .status(status)
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .header("x-frame-options", "DENY")
    .type("text/html; charset=utf-8")
    .send(body);
}

function failure(reply: FastifyReply, e: unknown) {
  if (!(e instanceof TollgateError)) throw e;
  return html(reply, errorCodes[e.code], messagePage("Not decided", e.message));
}
