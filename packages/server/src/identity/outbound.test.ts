import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { guardedAgent, Outbound, parsePrivateNetworks, refusalOf } from "./outbound.js";

describe("outbound address checks", () => {
  it("refuses internal ranges by setting; link-local and metadata unless all", () => {
    expect(refusalOf("169.254.169.254", "private")).toMatch(/link-local/);
    expect(refusalOf("fd00:ec2::254", "private")).toMatch(/link-local/);
    expect(refusalOf("::ffff:169.254.169.254", "private")).toMatch(/link-local/);
    expect(refusalOf("10.0.0.5", "loopback")).toMatch(/private/);
    expect(refusalOf("192.168.1.1", "loopback")).toMatch(/private/);
    expect(refusalOf("10.0.0.5", "private")).toBeUndefined();
    expect(refusalOf("127.0.0.1", "none")).toMatch(/loopback/);
    expect(refusalOf("::1", "none")).toMatch(/loopback/);
    expect(refusalOf("127.0.0.1", "loopback")).toBeUndefined();
    expect(refusalOf("0.0.0.0", "private")).toBeDefined();
    expect(refusalOf("93.184.216.34", "none")).toBeUndefined();
    expect(refusalOf("169.254.169.254", "all")).toBeUndefined();
  });

  it("reads the setting and names a bad value", () => {
    expect(parsePrivateNetworks(undefined, "X")).toBe("loopback");
    expect(parsePrivateNetworks("none", "X")).toBe("none");
    expect(() => parsePrivateNetworks("yes", "TOLLGATE_ALLOW_PRIVATE_NETWORKS")).toThrow(
      /none, loopback, private, all/,
    );
  });

  it("checks the address actually dialled: a literal IP and a name resolving to loopback", async () => {
    const server = createServer((_q, s) => s.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const strict = guardedAgent("none");
      for (const host of ["127.0.0.1", "localhost"])
        await expect(request(`http://${host}:${port}/`, { dispatcher: strict })).rejects.toThrow(/refuses to connect/);
      await strict.close();
      const loop = guardedAgent("loopback");
      const res = await request(`http://localhost:${port}/`, { dispatcher: loop });
      expect(await res.body.text()).toBe("ok");
      await loop.close();
    } finally {
      server.close();
    }
  });

  it("accepts https, or http only to loopback, for OAuth endpoints", () => {
    const o = new Outbound("loopback");
    expect(o.checkUrl("http://127.0.0.1:9/x", "issuer").href).toBe("http://127.0.0.1:9/x");
    expect(() => o.checkUrl("http://id.example.com/", "issuer")).toThrow(/https/);
    expect(() => o.checkUrl("ftp://id.example.com/", "issuer")).toThrow(/https/);
    expect(() => o.checkUrl("https://u:p@id.example.com/", "issuer")).toThrow(/credentials/);
    expect(() => o.checkUrl("https://10.0.0.1/", "issuer")).toThrow(/private/);
    void o.close();
  });
});
