import { createHmac } from "node:crypto";
import type { Dispatcher } from "undici";
import { formatEvent, formattedText, type ExportEvent, type SinkFormat } from "../formats/index.js";
import type { WebhookSinkConfig } from "./config.js";
import { postBatch } from "./hec.js";
import type { SinkTransport } from "./transport.js";

export const signatureHeader = "x-tollgate-signature";
export const timestampHeader = "x-tollgate-timestamp";

/**
 * The signature a receiver recomputes: `v1=` + hex HMAC-SHA256 over `<timestamp>.<body>`, keyed
 * with the shared secret. The timestamp (unix seconds) is signed too, so a receiver can refuse
 * old deliveries (replays).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** A generic webhook: NDJSON batches (one formatted event per line), signed. */
export class WebhookTransport implements SinkTransport {
  constructor(
    private readonly config: WebhookSinkConfig,
    private readonly secret: string,
    private readonly now: () => Date,
    private readonly dispatcher: Dispatcher,
  ) {}

  async send(batch: ExportEvent[]): Promise<void> {
    const body = `${batch.map((x) => formattedText(formatEvent(this.config.format as SinkFormat, x))).join("\n")}\n`;
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    await postBatch(
      this.config.url,
      body,
      {
        "content-type": "application/x-ndjson",
        [timestampHeader]: timestamp,
        [signatureHeader]: webhookSignature(this.secret, timestamp, body),
        "x-tollgate-events": String(batch.length),
      },
      "webhook",
      this.dispatcher,
    );
  }
}
