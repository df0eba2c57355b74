import { hostname } from "node:os";
import net from "node:net";
import tls from "node:tls";
import { formatEvent, formattedText, type ExportEvent, type SinkFormat } from "../formats/index.js";
import { octetCounted, syslogMessage } from "../formats/syslog.js";
import type { SyslogSinkConfig } from "./config.js";
import { SinkError, type SinkTransport, sendTimeoutMs } from "./transport.js";

/**
 * Syslog over TCP or TLS with octet-counting framing (RFC 5425/6587). A batch goes over one
 * connection: the frames are written, our side is closed, and the batch counts as delivered once
 * the collector has closed its side too (it has read everything). TCP syslog has no
 * application-level acknowledgement, so that is as far as "delivered" can be known.
 */
export class SyslogTransport implements SinkTransport {
  constructor(
    private readonly config: SyslogSinkConfig,
    /** the outbound address checks: options that check each address dialled; throws for a refused one */
    private readonly guard: (host: string) => { lookup?: net.LookupFunction },
  ) {}

  async send(batch: ExportEvent[]): Promise<void> {
    const { config } = this;
    const host = config.hostname ?? hostname();
    const frames = Buffer.concat(
      batch.map((x) =>
        octetCounted(syslogMessage(x, formattedText(formatEvent(config.format as SinkFormat, x)), { hostname: host })),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      const where = `${config.tls ? "tls" : "tcp"}://${config.host}:${config.port}`;
      let guarded: { lookup?: net.LookupFunction };
      try {
        guarded = this.guard(config.host);
      } catch (e) {
        return reject(new SinkError(`syslog ${where}: ${(e as Error).message}`));
      }
      const fail = (e: Error) => {
        socket.destroy();
        reject(new SinkError(`syslog ${where}: ${e.message}`));
      };
      const socket = config.tls
        ? tls.connect({
            host: config.host,
            port: config.port,
            ...guarded,
            ...(config.ca ? { ca: config.ca } : {}),
            ...(net.isIP(config.host) ? {} : { servername: config.host }),
          })
        : net.connect({ host: config.host, port: config.port, ...guarded });
      socket.setTimeout(sendTimeoutMs, () => fail(new Error(`no answer within ${sendTimeoutMs / 1000} s`)));
      socket.once("error", fail);
      socket.once(config.tls ? "secureConnect" : "connect", () => socket.end(frames));
      socket.on("data", () => {});
      socket.once("close", (hadError) => {
        if (!hadError) resolve();
      });
    });
  }
}
