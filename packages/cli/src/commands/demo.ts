import type { Command } from "commander";
import { runDemoAgent } from "@tollgate/example-support-triage";
import { CliError, readDemoKeys } from "../context.js";

export function demoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the scripted support-triage agent against a server started with `npm start`")
    .option("--data-dir <dir>", "where `serve --demo` saved the demo keys", ".tollgate")
    .option("--url <url>", "server URL (default: the one the demo was set up on)")
    .option("--mcp", "run the workflow whose tracker is an MCP server (support-triage-mcp)")
    .action(async (o) => {
      const demo = readDemoKeys(o.dataDir);
      if (!demo) throw new CliError(`no demo set up in ${o.dataDir}: start the server with \`npm start\` first`);
      await runDemoAgent({
        ...demo,
        ...(o.mcp ? { workflow: `${demo.workflow}-mcp` } : {}),
        url: o.url ?? demo.url,
        log: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
