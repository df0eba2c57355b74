import type { ExportEvent } from "../formats/index.js";

/** Sends one batch of events to a receiver; resolves only when the receiver has them. */
export interface SinkTransport {
  send(batch: ExportEvent[]): Promise<void>;
}

/** A delivery failure; the message is safe to show (it never holds a token or secret). */
export class SinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SinkError";
  }
}

export const sendTimeoutMs = 15_000;
