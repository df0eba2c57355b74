import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the status it was answered with */
  status: number;
}

export interface HttpReceiver {
  url: string;
  port: number;
  received: Received[];
  /** what the next requests are answered with (default 200) */
  answer: (r: Received) => number;
  /** stops listening (the port refuses connections) */
  down(): Promise<void>;
  /** listens again on the same port */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server that records every request and answers as the test says; it can go down and come back. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  let server: Server | undefined;
  let port = 0;
  const r: HttpReceiver = {
    url: "",
    port: 0,
    received: [],
    answer: () => 200,
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          const rec = {
            path: req.url ?? "/",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            status: 0,
          };
          const status = r.answer(rec);
          rec.status = status;
          r.received.push(rec);
          res.writeHead(status, { "content-type": "application/json", connection: "close" });
          res.end(JSON.stringify(status < 300 ? { text: "Success", code: 0 } : { text: "unavailable", code: 9 }));
        });
      });
      await new Promise<void>((ok) => server!.listen(port, "127.0.0.1", ok));
      port = (server.address() as AddressInfo).port;
      r.port = port;
      r.url = `http://127.0.0.1:${port}`;
    },
    async down() {
      if (!server) return;
      const s = server;
      server = undefined;
      s.closeAllConnections();
      await new Promise((ok) => s.close(ok));
    },
    async close() {
      await r.down();
    },
  };
  await r.up();
  return r;
}

/** Waits (polling, no timing assertion) until `check` holds or the deadline passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
