import { type CompiledAction, type CompiledWorkflow, TollgateError } from "@tollgate/core";
import type { Vault } from "../identity/vault.js";
import { ConnectorError, type Connector } from "../connectors/types.js";

export interface ExecutionOutcome {
  status: "succeeded" | "failed" | "outcome_unknown";
  result?: unknown;
  error?: { code: string; message: string; upstreamStatus?: number };
  attempts: number;
}

export interface ExecuteInput {
  tenantId: string;
  workspaceId: string;
  wf: CompiledWorkflow;
  action: CompiledAction;
  args: Record<string, unknown>;
  traceparent?: string;
  idempotencyKey?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Credentials, then the connector with the workflow's retry policy. READ calls retry on
 * timeouts, 5xx and 429; writes retry only when the request provably never left, or when the
 * connector takes an idempotency key. A write that may have been received is `outcome_unknown`.
 */
export class Executor {
  constructor(
    private readonly vault: Vault,
    private readonly connectors: { http: Connector },
  ) {}

  async execute(input: ExecuteInput): Promise<ExecutionOutcome> {
    const authorization = await this.credentials(input);
    const connector = this.connectors.http;
    const { maxAttempts, initialDelayMs, maxDelayMs } = input.wf.retry;
    const idempotent =
      input.action.class === "READ" || (input.action.connector as { idempotency?: boolean }).idempotency === true;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        const res = await connector.call({
          action: input.action,
          args: input.args,
          ...(authorization ? { authorization } : {}),
          ...(input.traceparent ? { traceparent: input.traceparent } : {}),
          ...(idempotent && input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        });
        return { status: "succeeded", result: res.body, attempts: attempt };
      } catch (e) {
        if (!(e instanceof ConnectorError)) throw e;
        const retryable = isRetryable(e, idempotent);
        if (!retryable || attempt >= maxAttempts) return failure(e, attempt, idempotent);
        const backoff = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        await sleep(Math.min(maxDelayMs, Math.max(jittered, e.retryAfterMs ?? 0)));
      }
    }
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
    throw new TollgateError(
      "credentials_unavailable",
      `system ${input.action.system} uses ${auth.type} credentials, which this server cannot provide yet`,
    );
  }
}

function isRetryable(e: ConnectorError, idempotent: boolean): boolean {
  if (e.delivery === "not_sent") return true;
  if (!idempotent) return false;
  if (e.delivery === "maybe_sent") return true;
  return e.upstreamStatus === 429 || (e.upstreamStatus !== undefined && e.upstreamStatus >= 500);
}

function failure(e: ConnectorError, attempts: number, idempotent: boolean): ExecutionOutcome {
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
