import { type CompiledAction, type CompiledWorkflow, TollgateError } from "@tollgate/core";
import { BrokenCircuitError } from "cockatiel";
import type { Clock } from "../clock.js";
import { type Connector, ConnectorError } from "../connectors/types.js";
import type { Vault } from "../identity/vault.js";
import type { Breakers } from "../reliability/breakers.js";
import type { RateLimiter } from "../reliability/rate-limiter.js";
import { retryPolicyFor } from "../reliability/retry.js";

export interface AttemptRecord {
  attempt: number;
  at: string;
  error: string;
  upstreamStatus?: number;
  delayMs: number;
}

export interface ExecutionOutcome {
  status: "succeeded" | "failed" | "outcome_unknown";
  result?: unknown;
  error?: { code: string; message: string; upstreamStatus?: number };
  attempts: number;
  /** every failed attempt that was retried, for the timeline */
  retried: AttemptRecord[];
}

export interface ExecuteInput {
  tenantId: string;
  workspaceId: string;
  wf: CompiledWorkflow;
  action: CompiledAction;
  args: Record<string, unknown>;
  traceparent?: string;
  idempotencyKey?: string;
  /** the run's identity (`service`, `user:<id>`): whose OAuth grant is used */
  actingAs?: string | null;
}

/** Where OAuth access tokens come from (identity/connections.ts). */
export interface AccessTokens {
  accessToken(q: {
    tenantId: string;
    workspaceId: string;
    connection: string;
    actingAs: string | null;
  }): Promise<string>;
}

export interface Connectors {
  http: Connector;
  [type: string]: Connector;
}

/**
 * Stages credentials and execute: the vault's credential, then the connector inside the
 * system's circuit breaker, inside the call's retry policy. A write that may have been received
 * ends `outcome_unknown`; it is never retried blindly.
 */
export class Executor {
  constructor(
    private readonly vault: Vault,
    private readonly connectors: Connectors,
    private readonly breakers: Breakers,
    private readonly rateLimiter: RateLimiter,
    private readonly clock: Clock,
    private readonly connections?: AccessTokens,
  ) {}

  async execute(input: ExecuteInput): Promise<ExecutionOutcome> {
    const authorization = await this.credentials(input);
    const { action } = input;
    const connector = this.connectorFor(action);
    const idempotent = action.class === "READ" || (action.connector as { idempotency?: boolean }).idempotency === true;
    const breaker = this.breakers.for(systemKey(input));
    const now = () => this.clock.now().getTime();
    const policy = retryPolicyFor(action.retry, idempotent, now(), now);
    const retried: AttemptRecord[] = [];
    policy.onRetry((e) => {
      const err = "error" in e ? e.error : undefined;
      retried.push({
        attempt: retried.length + 1,
        at: this.clock.now().toISOString(),
        error: err instanceof Error ? err.message : "failed",
        ...(err instanceof ConnectorError && err.upstreamStatus ? { upstreamStatus: err.upstreamStatus } : {}),
        delayMs: Math.round(e.delay),
      });
    });
    let attempts = 0;
    try {
      const res = await policy.execute(() =>
        breaker.execute(async () => {
          attempts++;
          try {
            return await connector.call({
              action,
              args: input.args,
              scope: { tenantId: input.tenantId, workspaceId: input.workspaceId },
              ...(authorization ? { authorization } : {}),
              ...(input.traceparent ? { traceparent: input.traceparent } : {}),
              ...(idempotent && input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
            });
          } catch (e) {
            this.slowDownOn429(input, e);
            throw e;
          }
        }),
      );
      return { status: "succeeded", result: res.body, attempts, retried };
    } catch (e) {
      if (e instanceof BrokenCircuitError) {
        return {
          status: "failed",
          error: {
            code: "circuit_open",
            message: `${action.system} has failed repeatedly; Tollgate is not calling it for up to ${Math.round(this.breakers.halfOpenAfterMs / 1000)} s`,
          },
          attempts,
          retried,
        };
      }
      if (!(e instanceof ConnectorError)) throw e;
      return { ...failure(e, attempts, idempotent), retried };
    }
  }

  private connectorFor(action: CompiledAction): Connector {
    const type = (action.connector as { type?: string }).type ?? "http";
    const connector = this.connectors[type];
    if (!connector)
      throw new TollgateError("upstream_failed", `no connector of type ${type} for system ${action.system}`);
    return connector;
  }

  private slowDownOn429(input: ExecuteInput, e: unknown): void {
    if (!(e instanceof ConnectorError) || e.upstreamStatus !== 429) return;
    this.rateLimiter.pause(
      rateKey(input.tenantId, input.action.system),
      input.wf.rateLimits.get(input.action.system),
      e.retryAfterMs ?? 1000,
    );
  }

  private async credentials(input: ExecuteInput): Promise<string | undefined> {
    const auth = (input.action.connector as { auth?: { type: string; secretRef?: string; connection?: string } }).auth;
    if (!auth || auth.type === "none") return undefined;
    if (auth.type === "bearer" && auth.secretRef) {
      const token = await this.vault.getSecret(input.tenantId, input.workspaceId, auth.secretRef);
      if (token === undefined) {
        throw new TollgateError(
          "credentials_unavailable",
          `secret ${auth.secretRef} for system ${input.action.system} is not set in workspace ${input.workspaceId}`,
        );
      }
      return `Bearer ${token}`;
    }
    if (auth.type === "oauth2" && auth.connection && this.connections) {
      const token = await this.connections.accessToken({
        tenantId: input.tenantId,
        workspaceId: input.workspaceId,
        connection: auth.connection,
        actingAs: input.actingAs ?? null,
      });
      return `Bearer ${token}`;
    }
    throw new TollgateError(
      "credentials_unavailable",
      `system ${input.action.system} uses ${auth.type} credentials, which this server cannot provide yet`,
    );
  }
}

export const rateKey = (tenantId: string, system: string) => `${tenantId}/${system}`;
const systemKey = (i: { tenantId: string; workspaceId: string; action: CompiledAction }) =>
  `${i.tenantId}/${i.workspaceId}/${i.action.system}`;
export { systemKey };

function failure(e: ConnectorError, attempts: number, idempotent: boolean): Omit<ExecutionOutcome, "retried"> {
  if (e.delivery === "maybe_sent" && !idempotent) {
    return {
      status: "outcome_unknown",
      error: {
        code: "outcome_unknown",
        message: `${e.message}; the request may have been received, so it is not retried`,
      },
      attempts,
    };
  }
  return {
    status: "failed",
    error: {
      code: "upstream_failed",
      message: e.message,
      ...(e.upstreamStatus ? { upstreamStatus: e.upstreamStatus } : {}),
    },
    attempts,
  };
}
