import type { Rate } from "../duration.js";

/** A token bucket's state: tokens left at `at` (ms), and a pause set by an upstream's 429. */
export interface BucketState {
  tokens: number;
  at: number;
  pausedUntil: number;
}

export const fullBucket = (rate: Rate, now: number): BucketState => ({ tokens: rate.burst, at: now, pausedUntil: 0 });

/**
 * Takes one token if there is one. Otherwise says how long until there will be, so a caller
 * can wait up to its bound or refuse with Retry-After. Pure: the caller keeps the state.
 */
export function takeToken(state: BucketState, rate: Rate, now: number): { state: BucketState; waitMs: number } {
  const refilled = Math.min(rate.burst, state.tokens + ((now - state.at) / 1000) * rate.perSecond);
  const paused = Math.max(0, state.pausedUntil - now);
  if (paused === 0 && refilled >= 1)
    return { state: { tokens: refilled - 1, at: now, pausedUntil: state.pausedUntil }, waitMs: 0 };
  const untilToken = refilled >= 1 ? 0 : ((1 - refilled) / rate.perSecond) * 1000;
  return {
    state: { tokens: refilled, at: now, pausedUntil: state.pausedUntil },
    waitMs: Math.ceil(Math.max(paused, untilToken)),
  };
}

/** An upstream said 429: empty the bucket and pause it for the upstream's Retry-After. */
export function pauseBucket(state: BucketState, now: number, forMs: number): BucketState {
  return { tokens: 0, at: now, pausedUntil: Math.max(state.pausedUntil, now + forMs) };
}
