import { setMaxListeners } from "node:events";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { fetch as undiciFetch } from "undici";

const raised = new WeakSet<AbortSignal>();

/**
 * The fetch for the MCP SDK's Streamable HTTP client transport. The transport passes one
 * AbortSignal, its own, to every request of a session; fetch adds an abort listener to it per
 * request and drops those only when they are garbage-collected, so a busy session passes the
 * limit of 1,500 listeners and prints a warning for every request after that (a log flooded with
 * MaxListenersExceededWarning). The listeners are expected and reclaimed by the garbage
 * collector, so the limit is lifted on the transport's signal, to Infinity. `base` is the undici
 * package's fetch (Tollgate's outbound-checked one is too): it throws reading a limit of 0, and
 * Node 20's own fetch (undici 6) would lower any other limit back to 1,500.
 */
export function sessionFetch(base: FetchLike = undiciFetch as unknown as FetchLike): FetchLike {
  return (url, init) => {
    const signal = init?.signal;
    if (signal && !raised.has(signal)) {
      setMaxListeners(Number.POSITIVE_INFINITY, signal);
      raised.add(signal);
    }
    return base(url, init);
  };
}
