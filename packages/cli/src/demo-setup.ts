import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { startExampleSystems, workflowMcpYaml, workflowYaml } from "@tollgate/example-support-triage";
import { TollgateApiError, TollgateClient } from "@tollgate/sdk";
import type { RunningServer } from "@tollgate/server";
import pc from "picocolors";
import { type DemoKeys, demoFile } from "./context.js";

const tenant = "demo";
const workspace = "support";
const workflow = "support-triage";

/**
 * The demo workspace: tenant `demo`, workspace `support`, the support-triage workflow pointing at
 * the example systems started here, their tokens stored as workspace secrets, and one key per
 * role (saved 0600 in the data dir so later starts can print them again).
 */
export async function setupDemo(
  server: RunningServer,
  systemsPort: number,
): Promise<{ lines: string[]; stop: () => Promise<void> }> {
  const systems = await startExampleSystems({ port: systemsPort }).catch(() => startExampleSystems({ port: 0 }));
  const file = demoFile(server.dataDir);
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DemoKeys) : undefined;
  const operatorKey = process.env.TOLLGATE_ADMIN_KEY || server.generatedOperatorKey || readOperatorKey(server.dataDir);
  let keys = saved?.keys;
  if (!keys) {
    if (!operatorKey)
      throw new Error(
        `cannot set up the demo: no operator key (set TOLLGATE_ADMIN_KEY or keep ${server.dataDir}/admin.key)`,
      );
    const op = new TollgateClient({ url: server.url, key: operatorKey });
    await ignoreConflict(op.createTenant(tenant, "Demo Company"));
    await ignoreConflict(op.createWorkspace(tenant, workspace, "Customer support"));
    keys = {
      admin: (await op.createKey(workspace, "demo-admin", "admin")).key,
      agent: (await op.createKey(workspace, "support-bot", "agent")).key,
      approver: (await op.createKey(workspace, "alice (support lead)", "approver")).key,
      auditor: (await op.createKey(workspace, "security-review", "auditor")).key,
    };
  }
  const admin = new TollgateClient({ url: server.url, key: keys.admin });
  for (const [system, token] of Object.entries(systems.tokens))
    await admin.putSecret(workspace, `${system}-token`, token);
  await admin.putWorkflow(workspace, workflow, workflowYaml(systems.url));
  // The same job with the tracker reached over MCP (its tools pinned as this version is stored).
  await admin.putWorkflow(workspace, `${workflow}-mcp`, workflowMcpYaml(systems.url));
  const demo: DemoKeys = { url: server.url, tenant, workspace, workflow, keys };
  writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  const lines = [
    "",
    `${pc.bold("Demo")}: tenant ${tenant}, workspace ${workspace}, workflow ${workflow}; example systems on ${systems.url}`,
    `  admin key:    ${keys.admin}`,
    `  agent key:    ${keys.agent}`,
    `  approver key: ${keys.approver}`,
    `  auditor key:  ${keys.auditor}`,
    `  (saved in ${file})`,
    `  MCP: workflow ${workflow}-mcp reaches the tracker over MCP; agents connect to ${server.url}/mcp/${workspace}/${workflow}-mcp`,
    "",
    `Try it: ${pc.cyan("npm run demo")} in another terminal, then ${pc.cyan(`TOLLGATE_KEY=${keys.auditor.slice(0, 12)}… npx tollgate runs list --workspace ${workspace}`)}`,
    `Web UI: ${pc.cyan(`${server.url}/`)} (sign in with the approver or auditor key)`,
  ];
  return { lines, stop: () => systems.close() };
}

function readOperatorKey(dataDir: string): string | undefined {
  const f = `${dataDir}/admin.key`;
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
}

async function ignoreConflict<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TollgateApiError && e.code === "conflict") return undefined;
    throw e;
  }
}
