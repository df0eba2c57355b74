import type { RetrySpec } from "@tollgate/core";
import { DelegateBackoff, handleWhen, retry, type RetryPolicy } from "cockatiel";
import { ConnectorError } from "../connectors/types.js";

/**
 * Which failed attempts may be tried again (DESIGN §3). A request that provably never left can
 * always be retried. Otherwise only idempotent calls (READ, or a connector taking an idempotency
 * key) retry, on timeouts, resets, 5xx and 429. A write that may have been received never does.
 */
export function isRetryable(e: unknown, idempotent: boolean): boolean {
  if (!(e instanceof ConnectorError)) return false;
  if (e.delivery === "not_sent") return true;
  if (!idempotent) return false;
  if (e.delivery === "maybe_sent") return true;
  return e.upstreamStatus === 429 || (e.upstreamStatus !== undefined && e.upstreamStatus >= 500);
}

/**
 * The retry policy of one call: at most `maxAttempts` attempts, exponential backoff with jitter
 * capped at `maxDelay`, the upstream's Retry-After honoured (a Retry-After longer than the time
 * left is not waited for: the call gives up), and all attempts within `maxElapsed`.
 */
export function retryPolicyFor(
  spec: RetrySpec,
  idempotent: boolean,
  startedAt: number,
  now: () => number,
): RetryPolicy {
  const timeLeft = () => spec.maxElapsedMs - (now() - startedAt);
  const shouldRetry = (e: Error) => {
    if (!isRetryable(e, idempotent)) return false;
    const retryAfter = e instanceof ConnectorError ? (e.retryAfterMs ?? 0) : 0;
    return timeLeft() > 0 && retryAfter <= timeLeft();
  };
  const backoff = new DelegateBackoff<{ attempt: number; result: { error?: unknown } | { value: unknown } }>((ctx) => {
    const exp = Math.min(spec.maxDelayMs, spec.initialDelayMs * 2 ** (ctx.attempt - 1));
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const error = "error" in ctx.result ? ctx.result.error : undefined;
    const retryAfter = error instanceof ConnectorError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(0, Math.min(Math.max(jittered, retryAfter), timeLeft()));
  });
  return retry(handleWhen(shouldRetry), { maxAttempts: Math.max(0, spec.maxAttempts - 1), backoff });
}
