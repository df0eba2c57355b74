import { type BucketState, fullBucket, pauseBucket, type Rate, takeToken, TollgateError } from "@tollgate/core";
import type { Clock } from "../clock.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Token buckets per (tenant, system) from the workflow's `rateLimits`. A call waits for a token
 * up to a bound, else is refused with 429 `rate_limited` and Retry-After. An upstream's 429 pauses
 * the bucket for its Retry-After. Buckets are per process: with N replicas the effective rate is
 * up to N times the configured one (docs/reliability.md).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(private readonly clock: Clock) {}

  /** With no configured rate, only a pause set by an upstream's 429 makes the call wait. */
  async acquire(key: string, rate: Rate | undefined, maxWaitMs: number, what: string): Promise<void> {
    let waited = 0;
    for (;;) {
      const now = this.clock.now().getTime();
      const bucket = this.buckets.get(key);
      let r: { state?: BucketState; waitMs: number };
      if (rate) r = takeToken(bucket ?? fullBucket(rate, now), rate, now);
      else r = { waitMs: Math.max(0, (bucket?.pausedUntil ?? 0) - now) };
      if (r.state) this.buckets.set(key, r.state);
      if (r.waitMs === 0) return;
      if (waited + r.waitMs > maxWaitMs) {
        const retryAfterSeconds = Math.max(1, Math.ceil(r.waitMs / 1000));
        throw new TollgateError("rate_limited", `${what} is over its rate limit; try again in ${retryAfterSeconds} s`, {
          retryAfterSeconds,
        });
      }
      await sleep(r.waitMs);
      waited += r.waitMs;
    }
  }

  /** The upstream answered 429: no calls to it until its Retry-After has passed. */
  pause(key: string, rate: Rate | undefined, forMs: number): void {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? (rate ? fullBucket(rate, now) : { tokens: 0, at: now, pausedUntil: 0 });
    this.buckets.set(key, pauseBucket(bucket, now, forMs));
  }

  state(key: string): { tokens: number; pausedUntil: string | null } | undefined {
    const b = this.buckets.get(key);
    return (
      b && {
        tokens: Math.floor(b.tokens),
        pausedUntil: b.pausedUntil > this.clock.now().getTime() ? new Date(b.pausedUntil).toISOString() : null,
      }
    );
  }
}
