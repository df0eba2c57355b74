import { hostname } from "node:os";
import { type Dispatcher, request } from "undici";
import { formatEvent, type ExportEvent, type SinkFormat } from "../formats/index.js";
import type { HecSinkConfig } from "./config.js";
import { SinkError, type SinkTransport, sendTimeoutMs } from "./transport.js";

const sourcetypes: Record<SinkFormat, string> = {
  native: "tollgate:audit",
  ocsf: "tollgate:ocsf",
  cef: "tollgate:cef",
};

/**
 * Splunk HTTP Event Collector: events in HEC's JSON envelope, one per line in one request,
 * `Authorization: Splunk <token>`. Anything but a 2xx answer is a failed batch.
 */
export class HecTransport implements SinkTransport {
  constructor(
    private readonly config: HecSinkConfig,
    private readonly token: string,
    private readonly dispatcher: Dispatcher,
  ) {}

  async send(batch: ExportEvent[]): Promise<void> {
    const { config } = this;
    const host = hostname();
    const body = batch
      .map((x) =>
        JSON.stringify({
          time: Date.parse(x.event.ts) / 1000,
          host,
          source: "tollgate",
          sourcetype: config.sourcetype ?? sourcetypes[config.format as SinkFormat],
          ...(config.index ? { index: config.index } : {}),
          fields: { tenant: x.tenant, ...(x.event.workspace ? { workspace: x.event.workspace } : {}) },
          event: formatEvent(config.format as SinkFormat, x),
        }),
      )
      .join("\n");
    await postBatch(
      config.url,
      body,
      { authorization: `Splunk ${this.token}`, "content-type": "application/json" },
      "HEC",
      this.dispatcher,
    );
  }
}

/** POSTs a body and fails with the receiver's status and a short excerpt of its answer. */
export async function postBatch(
  url: string,
  body: string,
  headers: Record<string, string>,
  what: string,
  /** the connections it may use (the outbound address checks) */
  dispatcher: Dispatcher,
): Promise<void> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: "POST",
      headers: { "user-agent": "tollgate", ...headers },
      body,
      dispatcher,
      headersTimeout: sendTimeoutMs,
      bodyTimeout: sendTimeoutMs,
      signal: AbortSignal.timeout(sendTimeoutMs),
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new SinkError(`${what} ${new URL(url).origin}: ${err.code ?? err.name}: ${err.message}`);
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300)
    throw new SinkError(`${what} ${new URL(url).origin} answered ${res.statusCode}: ${text.slice(0, 200)}`);
}
