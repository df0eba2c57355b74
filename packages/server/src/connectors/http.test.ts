import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CompiledAction } from "@tollgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "./types.js";
import { HttpConnector } from "./http.js";

/** The connector's deadline covers the whole exchange (an answer that never starts, or one that trickles); answers are bounded in size. */
describe("HttpConnector deadline and answer size", () => {
  let server: Server;
  let baseUrl: string;
  const connector = new HttpConnector();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/silent")) return; // never answers
      if (req.url?.startsWith("/trickle")) {
        // a chunk every 40 ms: no single gap trips the body timeout, the whole answer takes 2 s
        res.writeHead(200, { "content-type": "application/json" });
        let n = 0;
        const tick = setInterval(() => {
          if (res.destroyed || ++n > 50) {
            clearInterval(tick);
            res.end();
            return;
          }
          res.write(" ");
        }, 40);
        return;
      }
      if (req.url?.startsWith("/big")) {
        // one byte more than the connector takes, in 1 MiB writes
        res.writeHead(200, { "content-type": "application/json" });
        const mib = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 8; i++) res.write(mib);
        res.end(" ");
        return;
      }
      if (req.url?.startsWith("/pieces")) {
        // "é" is two bytes, split across two writes
        const bytes = Buffer.from(JSON.stringify({ name: "café", n: 1 }));
        const cut = bytes.indexOf(0xc3) + 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.write(bytes.subarray(0, cut));
        setTimeout(() => res.end(bytes.subarray(cut)), 20);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await connector.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const action = (path: string) =>
    ({
      system: "test",
      action: "get",
      http: { method: "GET", path },
      connector: { baseUrl, timeoutMs: 300 },
    }) as unknown as CompiledAction;

  it("answers within the deadline", async () => {
    await expect(connector.call({ action: action("/fine"), args: {} })).resolves.toMatchObject({
      status: 200,
      body: { ok: true },
    });
  });

  it("joins an answer that arrives in pieces, a character split between them", async () => {
    await expect(connector.call({ action: action("/pieces"), args: {} })).resolves.toMatchObject({
      body: { name: "café", n: 1 },
    });
  });

  it("refuses an answer larger than 8 MiB, as answered", async () => {
    const err = await connector
      .call({ action: { ...action("/big"), connector: { baseUrl, timeoutMs: 5_000 } } as CompiledAction, args: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ delivery: "answered", message: "upstream answer is larger than 8388608 bytes" });
  });

  it("gives up on an upstream that never answers, and says the request may have been received", async () => {
    const err = await connector.call({ action: action("/silent"), args: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ delivery: "maybe_sent", message: "upstream did not answer within 300 ms" });
  });

  it("gives up on an answer that keeps trickling past the deadline", async () => {
    const started = Date.now();
    const err = await connector.call({ action: action("/trickle"), args: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ delivery: "maybe_sent", message: "upstream did not answer within 300 ms" });
    // the trickle lasts 2 s; only the deadline ends it sooner
    expect(Date.now() - started).toBeLessThan(1_900);
  });
});
