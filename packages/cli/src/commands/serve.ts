import type { Command } from "commander";
import pc from "picocolors";
import { startServer } from "@tollgate/server";
import { setupDemo } from "../demo-setup.js";

export function serveCommand(program: Command): void {
  program
    .command("serve")
    .description("start the Tollgate server")
    .option("--port <port>", "port to listen on", "8787")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--data-dir <dir>", "where the embedded store, master key and operator key live", ".tollgate")
    .option("--database-url <url>", "use PostgreSQL instead of the embedded SQLite store (postgres://…)")
    .option(
      "--database-role <role>",
      "PostgreSQL: serve as this role, one row-level security binds (default: TOLLGATE_DATABASE_ROLE, else the URL's user)",
    )
    .option(
      "--demo",
      "also start the example systems and set up the demo tenant, workspace and support-triage workflow",
    )
    .option("--demo-systems-port <port>", "port of the example systems (with --demo)", "4010")
    .option("--log-level <level>", "server log level (JSON lines on standard error)", "warn")
    .action(async (o) => {
      const server = await startServer({
        port: Number(o.port),
        host: o.host,
        dataDir: o.dataDir,
        ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
        ...(o.databaseRole ? { databaseRole: o.databaseRole } : {}),
        logger: { level: o.logLevel, stream: process.stderr },
        processMetrics: true,
      });
      const out: string[] = [
        `${pc.bold("Tollgate")} is listening on ${pc.cyan(server.url)}`,
        `data directory: ${server.dataDir}`,
      ];
      if (server.generatedOperatorKey) {
        out.push(
          `${pc.yellow("operator key (shown once, also saved to")} ${server.operatorKeyFile}${pc.yellow(")")}: ${server.generatedOperatorKey}`,
        );
      }
      let stopDemo: (() => Promise<void>) | undefined;
      if (o.demo) {
        const demo = await setupDemo(server, Number(o.demoSystemsPort));
        stopDemo = demo.stop;
        out.push(...demo.lines);
      }
      process.stdout.write(`${out.join("\n")}\n`);
      const stop = async () => {
        await stopDemo?.();
        await server.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
