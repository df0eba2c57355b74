import { getMaxListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedAgent, Outbound } from "../../identity/outbound.js";
import { sessionFetch } from "./fetch.js";

/** A session's many requests share the transport's signal: no listener warning, however many. */
describe("sessionFetch", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_, res) => res.end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const warningsDuring = async (f: typeof fetch, requests: number): Promise<string[]> => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const session = new AbortController();
      for (let i = 0; i < requests; i++) await (await f(url, { signal: session.signal })).text();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    return warnings;
  };

  it("sends 1,600 requests with one signal and no MaxListenersExceededWarning", async () => {
    expect(await warningsDuring(sessionFetch(), 1_600)).toEqual([]);
  });

  it("does the same over the outbound-checked fetch Tollgate reaches MCP servers with (undici's)", async () => {
    const outbound = new Outbound("loopback");
    const agent = guardedAgent("loopback");
    try {
      expect(await warningsDuring(sessionFetch(outbound.fetchVia(agent)), 1_600)).toEqual([]);
    } finally {
      await agent.close();
      await outbound.close();
    }
  });

  it("lifts the session signal's listener limit, which undici's fetch alone leaves at 1,500", async () => {
    const limitAfterOneRequest = async (f: typeof fetch) => {
      const session = new AbortController();
      await (await f(url, { signal: session.signal })).text();
      return getMaxListeners(session.signal);
    };
    expect(await limitAfterOneRequest(sessionFetch() as typeof fetch)).toBe(Number.POSITIVE_INFINITY);
    expect(await limitAfterOneRequest(undiciFetch as unknown as typeof fetch)).toBe(1_500);
  });

  it("(Node's fetch alone warns: the reason for it)", async () => {
    expect(await warningsDuring(fetch, 1_600)).toContain("MaxListenersExceededWarning");
  });
});
