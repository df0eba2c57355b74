import { setMaxListeners } from "node:events";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";

const raised = new WeakSet<AbortSignal>();

/**
 * The fetch for the MCP SDK's Streamable HTTP client transport. The transport passes one
 * AbortSignal, its own, to every request of a session; Node's fetch adds an abort listener to it
 * per request and drops those only when they are garbage-collected, so a busy session passes
 * Node's limit of 1,500 listeners and prints a warning for every request after that (a log
 * flooded with MaxListenersExceededWarning). The listeners are expected and reclaimed by the
 * garbage collector, so the limit is lifted on the transport's signal: to Infinity, not 0 (undici's
 * fetch reads the limit with `getMaxListeners`, which throws for a signal whose limit is 0).
 */
export function sessionFetch(base: FetchLike = fetch): FetchLike {
  return (url, init) => {
    const signal = init?.signal;
    if (signal && !raised.has(signal)) {
      setMaxListeners(Number.POSITIVE_INFINITY, signal);
      raised.add(signal);
    }
    return base(url, init);
  };
}
