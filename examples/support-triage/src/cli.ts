#!/usr/bin/env node
/**
 * Starts the example systems (helpdesk, tracker, chat) on one local HTTP server.
 *
 *   node examples/support-triage/dist/cli.js [--port 4010] [--host 127.0.0.1]
 */
import { parseArgs } from "node:util";
import { SYSTEM_NAMES, startExampleSystems } from "./systems.js";

const usage = "usage: node examples/support-triage/dist/cli.js [--port 4010] [--host 127.0.0.1]";

async function main(): Promise<void> {
  let values: { port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string", short: "p", default: "4010" },
        host: { type: "string", default: "127.0.0.1" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port "${values.port}": give a number from 0 to 65535\n${usage}\n`);
    process.exit(2);
  }

  const systems = await startExampleSystems({ port, host: values.host });
  const lines = [`example systems listening on ${systems.url}`];
  for (const name of SYSTEM_NAMES) {
    lines.push(`  ${name.padEnd(8)} ${systems.baseUrl(name)}  (Authorization: Bearer ${systems.tokens[name]})`);
  }
  lines.push(`  control  ${systems.url}/_control/faults, ${systems.url}/_control/requests`);
  lines.push("press Ctrl-C to stop");
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping\n`);
    systems.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") process.stderr.write(`cannot listen: ${e.message} (is another copy running?)\n`);
  else process.stderr.write(`${e?.stack ?? String(err)}\n`);
  process.exit(1);
});
