import { tollgate } from "./run-cli.js";
import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace, keyOf } from "../../server/test/harness.js";
import { startTestProvider, type TestProvider } from "../../server/test/oauth-provider.js";

describe("tollgate connectors and keys rotate", () => {
  let h: Harness;
  let op: TestProvider;
  let ws: Workspace;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness();
    op = await startTestProvider([`${h.url}/v1/oauth/callback`]);
    const yaml = workflowYaml(h.systems.url)
      .replace("auth: { type: bearer, secretRef: chat-token }", "auth: { type: oauth2, connection: chat }")
      .replace(/(\n {2}chat:\n {4}connector:)/, "\n  chat:\n    scopes: [chat:write]\n    connector:");
    ws = await h.workspace("cliident", "identws", yaml);
    await ws.admin.putSecret("identws", "chat-client-secret", op.clientSecret);
    env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.admin) };
  });
  afterAll(async () => {
    await op?.close();
    await h?.close();
  });

  it("connects a service account, lists what it can do, revokes and disconnects it", async () => {
    const base = ["--workspace", "identws"];
    const connect = await tollgate(
      [
        "connectors",
        "connect",
        "chat",
        ...base,
        "--kind",
        "service",
        "--issuer",
        op.issuer,
        "--client-id",
        op.clientId,
        "--client-secret-ref",
        "chat-client-secret",
      ],
      env,
    );
    expect(connect.code).toBe(0);
    const list = await tollgate(["connectors", "list", ...base], env);
    expect(list.stdout).toMatch(/chat\s*│\s*service\s*│\s*chat\s*│\s*chat:write\s*│\s*service:service\s*│\s*connected/);
    const json = JSON.parse((await tollgate(["--json", "connectors", "list", ...base], env)).stdout);
    expect(json[0]).toMatchObject({ name: "chat", scopes: ["chat:write"], grants: [{ status: "connected" }] });
    const revoke = await tollgate(["connectors", "revoke", "chat", ...base], env);
    expect(revoke.stdout).toContain("service: revoked at the provider");
    expect((await tollgate(["connectors", "disconnect", "chat", ...base], env)).stdout).toContain("removed");
    expect((await tollgate(["connectors", "list", ...base], env)).stdout).toContain("no connections");
    const bad = await tollgate(["connectors", "connect", "x", ...base, "--kind", "robot", "--client-id", "c"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--kind must be user or service/);
  });

  it("rotates a key", async () => {
    const k = await ws.admin.createKey("identws", "bot", "agent");
    const r = await tollgate(["--json", "keys", "rotate", k.id, "--workspace", "identws", "--grace", "60"], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ replaces: k.id, name: "bot", role: "agent" });
  });
});
