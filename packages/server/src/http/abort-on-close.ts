import type { ServerResponse } from "node:http";

/**
 * Ends a wait when the client goes away before its answer was sent. The response's `close` says
 * so (the request's fires as soon as its body was read); after an answer nothing is aborted.
 * `controller` when the wait can also end for another reason.
 */
export function abortOnClose(res: ServerResponse, controller = new AbortController()): AbortSignal {
  res.once("close", () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}
