import { existsSync, writeFileSync } from "node:fs";
import { actionNameFor, mcpManifestDraft, parseManifest } from "@tollgate/core";
import { listMcpTools } from "@tollgate/server";
import type { Command } from "commander";
import pc from "picocolors";
import { runStdioBridge } from "../mcp-bridge.js";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

/** The MCP commands: the stdio bridge, a manifest draft from an MCP server, and tool pins. */
export function mcpCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command("mcp")
    .description("an MCP stdio server for clients that only launch local servers: forwards to Tollgate's /mcp endpoint")
    .requiredOption("--workspace <ws>", "workspace")
    .requiredOption("--workflow <name>", "workflow whose tools to serve")
    .option("--run <id>", "join this run instead of starting one (x-tollgate-run)")
    .action(async (o) => {
      const g = globals();
      const url = g.url ?? process.env.TOLLGATE_URL ?? "http://127.0.0.1:8787";
      const key = g.key ?? process.env.TOLLGATE_KEY;
      if (!key) throw new CliError("no key: pass --key or set TOLLGATE_KEY (an agent key of the workspace)");
      await runStdioBridge({
        url,
        key,
        workspace: o.workspace,
        workflow: o.workflow,
        ...(o.run ? { run: o.run } : {}),
      });
    });

  program
    .command("init [command...]")
    .description(
      "write a workflow manifest draft from an MCP server's tools: init --from-mcp -- COMMAND ARGS…, or init --from-mcp-url URL",
    )
    .option("--from-mcp", "start the stdio MCP server given after -- and read its tools")
    .option("--from-mcp-url <url>", "read the tools of the Streamable HTTP MCP server at this URL")
    .option("--name <workflow>", "workflow name (default: from the server's name)")
    .option("--system <name>", "system name (default: from the server's name)")
    .option("--out <file>", "write the draft here instead of to stdout")
    .option("--force", "overwrite --out if it exists")
    .action(async (command: string[], o) => {
      let connector: { command: string; args: string[] } | { url: string };
      if (o.fromMcpUrl) connector = { url: o.fromMcpUrl };
      else if (o.fromMcp && command.length > 0) connector = { command: command[0] as string, args: command.slice(1) };
      else throw new CliError("give --from-mcp -- COMMAND [ARGS…] or --from-mcp-url URL");
      if (o.out && existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists; pass --force to overwrite it`);
      let listed: Awaited<ReturnType<typeof listMcpTools>>;
      try {
        listed = await listMcpTools(connector);
      } catch (e) {
        throw new CliError(`cannot list the MCP server's tools: ${(e as Error).message}`);
      }
      if (listed.tools.length === 0)
        throw new CliError("the MCP server lists no tools: there is nothing to put in a boundary");
      const base = (listed.server?.name ?? "mcp").split("/").pop() as string;
      const system = o.system ?? actionNameFor(base, 30);
      const workflow = o.name ?? (system.replace(/_/g, "-") || "mcp-workflow");
      const draft = mcpManifestDraft({ workflow, system, connector, tools: listed.tools, server: listed.server });
      const check = parseManifest(draft);
      if (!check.ok) {
        throw new CliError(
          `the draft does not validate (please report this): ${check.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        );
      }
      if (!o.out) return void process.stdout.write(draft);
      writeFileSync(o.out, draft);
      const g = globals();
      if (g.json)
        return printJson({ file: o.out, workflow, system, tools: listed.tools.length, version: check.version });
      process.stderr.write(
        `${pc.green("wrote")} ${o.out}: workflow ${workflow}, system ${system}, ${listed.tools.length} actions. ` +
          `Each class is a suggestion from the tool's annotations: read them, then \`tollgate validate ${o.out}\`.\n`,
      );
    });

  const tools = program.command("tools").description("pinned upstream MCP tool definitions of a workflow");
  tools
    .command("list")
    .requiredOption("--workspace <ws>")
    .requiredOption("--workflow <name>")
    .action(async (o) => {
      const r = await clientFrom(globals()).listToolPins(o.workspace, o.workflow);
      if (globals().json) return printJson(r);
      if (r.items.length === 0) return void process.stdout.write(`workflow ${o.workflow} has no MCP tools\n`);
      process.stdout.write(
        `${table(
          ["tool", "upstream tool", "state", "pinned", "accepted by"],
          r.items.map((t) => [
            t.tool,
            t.upstreamTool,
            t.changed ? pc.red(t.currentHash ? "changed" : "missing") : pc.green("as pinned"),
            t.pinnedHash.slice(0, 19),
            t.acceptedBy ?? "",
          ]),
        )}\n`,
      );
    });
  tools
    .command("accept <tool>")
    .description("accept the upstream's changed definition of an MCP tool (system.action); audited")
    .requiredOption("--workspace <ws>")
    .requiredOption("--workflow <name>")
    .action(async (tool: string, o) => {
      const r = await clientFrom(globals()).acceptTool(o.workspace, o.workflow, tool);
      if (globals().json) return printJson(r);
      process.stdout.write(
        r.changed
          ? `${pc.green("accepted")} the new definition of ${r.tool} (upstream tool ${r.upstreamTool}, ${r.hash.slice(0, 19)}…); calls to it run again\n`
          : `${r.tool} already matches its pinned definition; nothing changed\n`,
      );
    });
}
