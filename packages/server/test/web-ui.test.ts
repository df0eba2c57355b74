import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { webUiRoutes } from "../src/http/web-ui.js";
import { startHarness } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "tollgate-web-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the web UI's routes", () => {
  it("answers each page with index.html under a strict CSP, and the hashed assets for a year", async () => {
    mkdirSync(join(dir, "built", "assets"), { recursive: true });
    writeFileSync(join(dir, "built", "index.html"), "<!doctype html><title>Tollgate</title>");
    writeFileSync(join(dir, "built", "assets", "index-abc123.js"), "console.log(1)");
    const app = Fastify();
    webUiRoutes(app, join(dir, "built"));
    for (const url of ["/", "/approvals", "/runs/run_123", "/readiness", "/sign-in"]) {
      const page = await app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.body).toContain("<title>Tollgate</title>");
      expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(page.headers["cache-control"]).toBe("no-cache");
    }
    const asset = await app.inject({ url: "/assets/index-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await app.inject({ url: "/assets/missing.js" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/elsewhere" })).statusCode).toBe(404);
    await app.close();
  });

  it("says how to build the UI when it is not built, rather than a bare 404", async () => {
    const app = Fastify();
    webUiRoutes(app, join(dir, "missing"));
    const page = await app.inject({ url: "/approvals" });
    expect(page.statusCode).toBe(503);
    expect(page.body).toBe("The web UI is not built here: run `npm run build`. The API is at /v1.");
    await app.close();
  });

  it("tells a key who it is (GET /v1/whoami), which is how the UI learns its workspace and role", async () => {
    const h = await startHarness();
    try {
      const ws = await h.workspace("whoami", "desk");
      expect(await ws.approver.whoami()).toMatchObject({
        role: "approver",
        tenant: "whoami",
        workspace: "desk",
        name: "approver-whoami",
      });
      expect(await h.operator.whoami()).toMatchObject({ role: "operator", tenant: null, workspace: null });
    } finally {
      await h.close();
    }
  });
});
