import type { ServerResponse } from "node:http";

/**
 * Ends a wait when the client goes away before its answer was sent. The response's `close` says
 * so (the request's fires as soon as its body was read); after an answer nothing is aborted.
 */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}
