import { createHmac, timingSafeEqual } from "node:crypto";
import { newId, TollgateError } from "@tollgate/core";
import type { ApprovalRecord, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { Vault } from "../identity/vault.js";
import type { ApprovalService } from "./service.js";

/** What a chat link carries: one approval, one decision, the hash of the exact arguments, a deadline. */
export interface LinkClaims {
  tenant: string;
  approval: string;
  decision: "approve" | "deny";
  argsHash: string;
  /** the link's own id: it decides once */
  link: string;
  expiresAt: string;
}

const maxLinkLifeMs = 24 * 3_600_000;

/**
 * Signed single-use approve/deny links for chat messages. The token is the claims as base64url
 * JSON plus an HMAC-SHA256 under a key derived from the tenant's data key, so it cannot be forged
 * or altered, and it names the argument hash it was made for. Opening it (GET) only shows a
 * confirmation page; the decision is a POST. Each link decides once (its id is the approver of
 * the decision row), and is dead once the approval is decided or the link's deadline passes.
 */
export class ApprovalLinks {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly approvals: () => ApprovalService,
  ) {}

  async mint(a: ApprovalRecord, decision: "approve" | "deny"): Promise<string> {
    const cap = iso(this.clock, maxLinkLifeMs);
    const claims: LinkClaims = {
      tenant: a.tenantId,
      approval: a.id,
      decision,
      argsHash: a.argsHash,
      link: newId("lnk"),
      // ISO-8601 strings compare in time order
      expiresAt: a.expiresAt < cap ? a.expiresAt : cap,
    };
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${body}.${(await this.mac(a.tenantId, body)).toString("base64url")}`;
  }

  /** The claims of a genuine, unexpired link; anything else is refused without saying which part was wrong. */
  async verify(token: string): Promise<LinkClaims> {
    const invalid = new TollgateError("not_found", "this approval link is not valid");
    const [body, mac, extra] = token.split(".");
    if (!body || !mac || extra !== undefined || token.length > 2048) throw invalid;
    let claims: LinkClaims;
    try {
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as LinkClaims;
    } catch {
      throw invalid;
    }
    if (typeof claims?.tenant !== "string" || !(await this.store.getTenant(claims.tenant))) throw invalid;
    const expected = await this.mac(claims.tenant, body);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    if (claims.expiresAt <= iso(this.clock))
      throw new TollgateError("conflict", `this approval link expired at ${claims.expiresAt}`, {
        approvalStatus: "expired",
      });
    return claims;
  }

  /** What the confirmation page shows. */
  async preview(token: string) {
    const claims = await this.verify(token);
    const approval = await this.approvalOf(claims);
    const call = await this.store.scope(claims.tenant).toolCalls.get(approval.callId);
    return { claims, approval, call };
  }

  /** The POST behind the confirmation page: decides as the link, channel chat. */
  async decide(token: string, name: string, reason: string | undefined) {
    const claims = await this.verify(token);
    const approval = await this.approvalOf(claims);
    const scope = this.store.scope(claims.tenant);
    if ((await scope.approvals.decisions([approval.id])).some((d) => d.approver === `link:${claims.link}`))
      throw new TollgateError("conflict", "this link was already used", { approvalStatus: approval.status });
    return this.approvals().decideAs(
      claims.tenant,
      approval,
      { id: `link:${claims.link}`, keyId: null, name: `${name} (chat link)`, role: "chat-link", channel: "chat" },
      { decision: claims.decision, ...(reason ? { reason } : {}) },
    );
  }

  private async approvalOf(claims: LinkClaims): Promise<ApprovalRecord> {
    const approval = await this.store.scope(claims.tenant).approvals.get(claims.approval);
    if (!approval) throw new TollgateError("not_found", "this approval link is not valid");
    if (approval.argsHash !== claims.argsHash)
      throw new TollgateError("conflict", "this link was made for other arguments than the call holds");
    return approval;
  }

  private async mac(tenantId: string, body: string): Promise<Buffer> {
    const key = createHmac("sha256", await this.vault.tenantKey(tenantId))
      .update("approval-links")
      .digest();
    return createHmac("sha256", key).update(body).digest();
  }
}
