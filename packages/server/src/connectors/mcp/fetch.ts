import { setMaxListeners } from "node:events";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";

const raised = new WeakSet<AbortSignal>();

/**
 * The fetch for the MCP SDK's Streamable HTTP client transport. The transport passes one
 * AbortSignal, its own, to every request of a session; Node's fetch adds an abort listener to it
 * per request and drops those only when they are garbage-collected, so a busy session passes
 * Node's limit of 1,500 listeners and prints a warning for every request after that (a log
 * flooded with MaxListenersExceededWarning). The listeners are expected and reclaimed by the
 * garbage collector, so the limit is lifted on the transport's signal. How depends on the fetch:
 * Node 20's own (undici 6) lowers any limit but 0 back to 1,500 once ten listeners are on the
 * signal, and the undici package's (7, Tollgate's outbound-checked fetch) throws on a limit of 0
 * but leaves any other alone.
 */
export function sessionFetch(base: FetchLike = fetch): FetchLike {
  const unlimited = base === globalThis.fetch ? 0 : Number.POSITIVE_INFINITY;
  return (url, init) => {
    const signal = init?.signal;
    if (signal && !raised.has(signal)) {
      setMaxListeners(unlimited, signal);
      raised.add(signal);
    }
    return base(url, init);
  };
}
