import { readFileSync } from "node:fs";
import type { Command } from "commander";
import pc from "picocolors";
import { clientFrom, CliError, type GlobalOptions } from "../context.js";
import { printJson, renderDiff, renderTimeline, table } from "../output.js";
import { decisionLine, renderApproval } from "./approvals-output.js";

const ago = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "");

/** Commands that talk to a server (TOLLGATE_URL, TOLLGATE_KEY). */
export function remoteCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;

  const tenants = program.command("tenants").description("tenants (operator key)");
  tenants
    .command("create <id>")
    .option("--name <name>")
    .action(async (id: string, o) => {
      const t = await client().createTenant(id, o.name);
      json() ? printJson(t) : process.stdout.write(`tenant ${t.id} created\n`);
    });

  const workspaces = program.command("workspaces").description("workspaces");
  workspaces
    .command("create <tenant> <id>")
    .option("--name <name>")
    .action(async (tenant: string, id: string, o) => {
      const w = await client().createWorkspace(tenant, id, o.name);
      json() ? printJson(w) : process.stdout.write(`workspace ${w.id} created in tenant ${tenant}\n`);
    });

  const keys = program.command("keys").description("API keys of a workspace");
  keys
    .command("create")
    .requiredOption("--workspace <ws>")
    .requiredOption("--name <name>")
    .requiredOption("--role <role>", "admin | approver | auditor | agent")
    .action(async (o) => {
      const k = await client().createKey(o.workspace, o.name, o.role);
      json() ? printJson(k) : process.stdout.write(`${k.id} (${k.role})\n${pc.yellow("key (shown once):")} ${k.key}\n`);
    });
  keys
    .command("list")
    .requiredOption("--workspace <ws>")
    .action(async (o) => {
      const { items } = await client().listKeys(o.workspace);
      if (json()) return printJson(items);
      process.stdout.write(
        `${table(
          ["id", "name", "role", "created", "last used", "revoked"],
          items.map((k) => [k.id, k.name, k.role, ago(k.createdAt), ago(k.lastUsedAt), ago(k.revokedAt)]),
        )}\n`,
      );
    });
  keys
    .command("rotate <id>")
    .description("a new key with the same name and role; the old one works for the grace period, then fails")
    .requiredOption("--workspace <ws>")
    .option("--grace <seconds>", "how long the old key keeps working", "86400")
    .action(async (id: string, o) => {
      const grace = Number(o.grace);
      if (!Number.isInteger(grace) || grace < 0)
        throw new CliError(`--grace must be a whole number of seconds (got ${o.grace})`);
      const k = await client().rotateKey(o.workspace, id, grace);
      json()
        ? printJson(k)
        : process.stdout.write(
            `${k.id} (${k.role}) replaces ${k.replaces}, which stops working at ${k.oldKeyExpiresAt}\n${pc.yellow("key (shown once):")} ${k.key}\n`,
          );
    });
  keys
    .command("revoke <id>")
    .requiredOption("--workspace <ws>")
    .action(async (id: string, o) => {
      await client().revokeKey(o.workspace, id);
      process.stdout.write(`key ${id} revoked\n`);
    });

  program
    .command("secrets")
    .description("store a workspace secret (encrypted; never shown again)")
    .command("set <name>")
    .requiredOption("--workspace <ws>")
    .option("--value <value>", "the value (default: read from standard input)")
    .action(async (name: string, o) => {
      const value = o.value ?? readFileSync(0, "utf8").trim();
      if (!value) throw new CliError("no value: pass --value or pipe it on standard input");
      await client().putSecret(o.workspace, name, value);
      process.stdout.write(`secret ${name} stored\n`);
    });

  const workflows = program.command("workflows").description("workflow manifests on the server");
  workflows
    .command("put <file>")
    .requiredOption("--workspace <ws>")
    .option("--name <name>", "workflow name (default: the manifest's name)")
    .action(async (file: string, o) => {
      const source = readFileSync(file, "utf8");
      const name = o.name ?? /^name:\s*(\S+)/m.exec(source)?.[1];
      if (!name) throw new CliError("cannot tell the workflow's name: pass --name");
      const r = await client().putWorkflow(o.workspace, name, source);
      json() ? printJson(r) : process.stdout.write(`${r.name} is now at version ${r.version}\n`);
    });
  workflows
    .command("get <name>")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, o) => printJson(await client().getWorkflow(o.workspace, name)));

  workflows
    .command("history <name>")
    .description("every version of a workflow, newest first")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, o) => {
      const h = await client().workflowHistory(o.workspace, name);
      if (json()) return printJson(h);
      process.stdout.write(
        table(
          ["version", "put at", "by", ""],
          h.items.map((v) => [v.version, v.createdAt, v.createdBy ?? "", v.version === h.active ? "active" : ""]),
        ),
      );
    });
  workflows
    .command("diff <name>")
    .description("what changed between two versions as written (default: the active one and the one before it)")
    .requiredOption("--workspace <ws>")
    .option("--from <version>")
    .option("--to <version>")
    .action(async (name: string, o) => {
      const d = await client().workflowDiff(o.workspace, name, {
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
      });
      if (json()) return printJson(d);
      process.stdout.write(renderDiff(d));
    });

  const runs = program.command("runs").description("runs and their timelines");
  runs
    .command("list")
    .requiredOption("--workspace <ws>")
    .option("--workflow <name>")
    .option("--status <status>")
    .option("--limit <n>", "how many", "20")
    .option("--workflow-version <v>", "runs of this manifest version")
    .option("--prompt-version <v>", "runs of this prompt version")
    .option("--model <model>", "runs of this model")
    .option("--release <id>", "runs of this release")
    .action(async (o) => {
      const { items } = await client().listRuns(o.workspace, {
        ...(o.workflow ? { workflow: o.workflow } : {}),
        ...(o.status ? { status: o.status } : {}),
        ...(o.workflowVersion ? { workflowVersion: o.workflowVersion } : {}),
        ...(o.promptVersion ? { promptVersion: o.promptVersion } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.release ? { release: o.release } : {}),
        limit: Number(o.limit),
      });
      if (json()) return printJson(items);
      process.stdout.write(
        `${table(
          ["run", "workflow", "agent", "status", "tool calls", "started"],
          items.map((r) => [
            r.id,
            r.workflow,
            r.agent,
            r.stopReason ? `${r.status} (${r.stopReason})` : r.status,
            r.usage.toolCalls,
            ago(r.startedAt),
          ]),
        )}\n`,
      );
    });
  runs
    .command("show <id>")
    .description("the run's timeline: what the agent asked, what policy decided and why, who approved, what ran")
    .action(async (id: string) => {
      const t = await client().timeline(id);
      json() ? printJson(t) : process.stdout.write(`${renderTimeline(t)}\n`);
    });

  const approvals = program.command("approvals").description("pending approvals");
  approvals
    .command("list")
    .requiredOption("--workspace <ws>")
    .option("--status <status>", "pending | approved | denied | expired | cancelled", "pending")
    .action(async (o) => {
      const { items } = await client().listApprovals(o.workspace, o.status);
      if (json()) return printJson(items);
      if (items.length === 0) return void process.stdout.write(`no ${o.status} approvals in ${o.workspace}\n`);
      process.stdout.write(
        `${table(
          ["approval", "tool", "arguments", "why", "approvals", "requested", "expires"],
          items.map((a) => [
            a.id,
            a.tool,
            JSON.stringify(a.args).slice(0, 60),
            a.reason,
            `${a.approvals.count}/${a.approvals.required}`,
            ago(a.requestedAt),
            ago(a.expiresAt),
          ]),
        )}\n`,
      );
    });
  for (const verb of ["approve", "deny"] as const) {
    approvals
      .command(`${verb} <id>`)
      .option("--reason <text>", "why (recorded in the audit log)")
      .action(async (id: string, o) => {
        const d = await client().decide(id, verb, o.reason, "cli");
        json() ? printJson(d) : process.stdout.write(`${decisionLine(d)}\n`);
      });
  }
  approvals
    .command("show <id>")
    .description("one approval: the call, why it needs a human, and every decision with what was shown")
    .action(async (id: string) => {
      const a = await client().getApproval(id);
      json() ? printJson(a) : process.stdout.write(`${renderApproval(a)}\n`);
    });
}
