import { TollgateError } from "@tollgate/core";
import { TollgateApiError } from "@tollgate/sdk";
import { Command } from "commander";
import pc from "picocolors";
import { auditCommands } from "./commands/audit.js";
import { changeControlCommands } from "./commands/change-control.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { mcpCommands } from "./commands/mcp.js";
import { modelCommands } from "./commands/models.js";
import { offlineCommands } from "./commands/offline.js";
import { policyCommands } from "./commands/policy.js";
import { remoteCommands } from "./commands/remote.js";
import { serveCommand } from "./commands/serve.js";
import { connectorCommands } from "./commands/connectors.js";
import { dataCommands } from "./commands/data.js";
import { readinessCommand } from "./commands/readiness.js";
import { CliError, type GlobalOptions } from "./context.js";

const program = new Command("tollgate")
  .description("Tollgate: the control plane that makes AI agents safe to run")
  .option("--url <url>", "server URL (or TOLLGATE_URL)")
  .option("--key <key>", "API key (or TOLLGATE_KEY)")
  .option("--json", "machine-readable output")
  .showHelpAfterError();
const globals = () => program.opts<GlobalOptions>();

serveCommand(program);
demoCommand(program);
offlineCommands(program, globals);
remoteCommands(program, globals);
auditCommands(program, globals);
policyCommands(program, globals);
mcpCommands(program, globals);
modelCommands(program, globals);
changeControlCommands(program, globals);
evalCommand(program, globals);
connectorCommands(program, globals);
dataCommands(program, globals);
readinessCommand(program, globals);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof TollgateApiError) {
    process.stderr.write(`${pc.red(e.code)}: ${e.problem.detail}\n`);
    const errors = e.problem.errors as { path: string; message: string; line?: number }[] | undefined;
    for (const x of errors ?? [])
      process.stderr.write(`  ${x.path}${x.line ? ` (line ${x.line})` : ""}: ${x.message}\n`);
    process.exit(1);
  }
  if (e instanceof CliError || e instanceof TollgateError) {
    process.stderr.write(`${pc.red("error")}: ${e.message}\n`);
    const errors =
      e instanceof TollgateError
        ? (e.extra.errors as { path: string; message: string; line?: number }[] | undefined)
        : undefined;
    for (const x of errors ?? [])
      process.stderr.write(`  ${x.path}${x.line ? ` (line ${x.line})` : ""}: ${x.message}\n`);
    process.exit(e instanceof CliError ? e.exitCode : 1);
  }
  if ((e as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED") {
    process.stderr.write(
      `${pc.red("error")}: cannot reach the Tollgate server (${(e as Error).message}); is it running? set TOLLGATE_URL\n`,
    );
    process.exit(1);
  }
  throw e;
});
