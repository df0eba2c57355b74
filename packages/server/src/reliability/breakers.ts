import { CircuitState, circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { ConnectorError } from "../connectors/types.js";

export interface BreakerOptions {
  /** consecutive failed attempts that open the circuit */
  failures: number;
  /** how long an open circuit fails fast before one probe call is let through */
  halfOpenAfterMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { failures: 5, halfOpenAfterMs: 30_000 };

const stateNames: Record<CircuitState, "closed" | "open" | "half_open" | "isolated"> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half_open",
  [CircuitState.Isolated]: "isolated",
};

/** What counts against a system's health: it failed or did not answer. A 4xx (or 429) is an answer. */
export function isSystemFailure(e: unknown): boolean {
  if (!(e instanceof ConnectorError)) return false;
  if (e.delivery !== "answered") return true;
  return e.upstreamStatus !== undefined && e.upstreamStatus >= 500;
}

/**
 * One circuit breaker per (tenant, workspace, system), built on cockatiel: it opens after
 * repeated failures, fails fast while open, and half-opens to let one probe through.
 */
export class Breakers {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly options: BreakerOptions = defaultBreakerOptions) {}

  for(key: string): CircuitBreakerPolicy {
    let b = this.breakers.get(key);
    if (!b) {
      b = circuitBreaker(handleWhen(isSystemFailure), {
        halfOpenAfter: this.options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.failures),
      });
      this.breakers.set(key, b);
    }
    return b;
  }

  state(key: string): "closed" | "open" | "half_open" | "isolated" {
    const b = this.breakers.get(key);
    return b ? stateNames[b.state] : "closed";
  }

  get halfOpenAfterMs(): number {
    return this.options.halfOpenAfterMs;
  }
}
