import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { verifyExport } from "@tollgate/core";
import type { SinkDefinition } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 19) : "");

/** A key given as a file (PEM) or inline (PEM or base64 DER). */
function readKey(k: string): string {
  return existsSync(k) ? readFileSync(k, "utf8") : k;
}

/** `tollgate audit`: export and verify the log (offline too), the signing key, and SIEM sinks. */
export function auditCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;
  const audit = program.command("audit").description("the audit log: export, verify, SIEM sinks");

  audit
    .command("export")
    .description("write a verifiable export: the workspace's events, signed checkpoints and the public key")
    .requiredOption("--workspace <ws>")
    .option("--out <file>", "write it here (default: standard output)")
    .action(async (o) => {
      const text = await client().exportAudit(o.workspace);
      const rows = text
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { kind: string });
      const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
      const summary = { events: count("event"), otherWorkspaceRows: count("elided"), checkpoints: count("checkpoint") };
      if (!o.out) return void process.stdout.write(text);
      writeFileSync(o.out, text);
      if (json()) printJson({ file: o.out, ...summary });
      else
        process.stderr.write(
          `${summary.events} events, ${summary.checkpoints} signed checkpoints written to ${o.out}` +
            `${summary.otherWorkspaceRows ? ` (${summary.otherWorkspaceRows} rows of other workspaces as digests only)` : ""}\n`,
        );
    });

  audit
    .command("verify [file]")
    .description("check an export offline (FILE), or ask the server to check a workspace's chain (--workspace)")
    .option("--public-key <key>", "the tenant's public key (a PEM file, or the key inline) to trust")
    .option("--workspace <ws>", "verify on the server instead of a file")
    .action(async (file: string | undefined, o) => {
      if (!file) {
        if (!o.workspace)
          throw new CliError("give an export FILE to check offline, or --workspace to check on the server");
        const r = await client().verifyAudit(o.workspace);
        if (json()) printJson(r);
        else if (r.ok) process.stdout.write(`${pc.green("intact")}: ${r.checked} events checked\n`);
        else
          process.stdout.write(
            `${pc.red("TAMPERED")}: first bad event is seq ${r.firstBadSeq} (${r.problem}); ${r.checked} events before it are intact\n`,
          );
        if (!r.ok) process.exitCode = 2;
        return;
      }
      if (!existsSync(file)) throw new CliError(`no file ${file}`);
      const r = verifyExport(readFileSync(file, "utf8"), o.publicKey ? readKey(o.publicKey) : undefined);
      if (json()) printJson(r);
      else if (r.ok)
        process.stdout.write(
          `${pc.green("intact")}: ${r.checked} rows (${r.events} events) checked, ${r.checkpoints} signed checkpoints valid\n`,
        );
      else
        process.stdout.write(
          `${pc.red("TAMPERED")}: ${r.problem} (line ${r.line}${r.firstBadSeq ? `, row ${r.firstBadSeq}` : ""})\n`,
        );
      if (r.warning && !json()) process.stderr.write(`${pc.yellow("warning")}: ${r.warning}\n`);
      if (!r.ok) process.exitCode = 2;
    });

  audit
    .command("public-key")
    .description("the tenant's Ed25519 public key that signs audit checkpoints")
    .requiredOption("--workspace <ws>")
    .option("--out <file>", "write the PEM here")
    .action(async (o) => {
      const k = await client().auditPublicKey(o.workspace);
      if (o.out) writeFileSync(o.out, k.publicKey);
      if (json()) printJson(k);
      else if (!o.out) process.stdout.write(k.publicKey);
      else process.stderr.write(`public key ${k.keyId} written to ${o.out}\n`);
    });

  sinkCommands(audit, client, json);
}

function sinkCommands(audit: Command, client: () => ReturnType<typeof clientFrom>, json: () => boolean): void {
  const sinks = audit.command("sinks").description("SIEM sinks: syslog (TCP/TLS), Splunk HEC, signed webhook");
  sinks
    .command("list", { isDefault: true })
    .requiredOption("--workspace <ws>")
    .action(async (o) => {
      const { items } = await client().listSinks(o.workspace);
      if (json()) return printJson(items);
      if (items.length === 0) return void process.stdout.write(`no sinks in ${o.workspace}\n`);
      process.stdout.write(
        `${table(
          ["sink", "kind", "target", "delivered", "lag", "failures", "last error", "last delivered"],
          items.map((s) => [
            s.alerting ? pc.red(s.name) : s.name,
            `${s.kind}/${s.format}`,
            s.target,
            s.delivered,
            s.lagEvents ? `${s.lagEvents} events, ${s.lagSeconds} s` : "0",
            s.failures ? pc.red(String(s.failures)) : "0",
            (s.lastError ?? "").slice(0, 60),
            when(s.lastDeliveredAt),
          ]),
        )}\n`,
      );
    });
  sinks
    .command("set <name>")
    .description("create or change a sink (its cursor is kept)")
    .requiredOption("--workspace <ws>")
    .option("--file <file>", "the sink definition as JSON (instead of the options below)")
    .option("--kind <kind>", "syslog | hec | webhook")
    .option("--format <format>", "native | ocsf | cef", "native")
    .option("--host <host>", "syslog: collector host")
    .option("--port <port>", "syslog: collector port")
    .option("--tls", "syslog: over TLS (RFC 5425)")
    .option("--ca <file>", "syslog: PEM of the CA that signed the collector's certificate")
    .option("--endpoint <url>", "hec, webhook: the URL to POST to")
    .option("--token-secret <name>", "hec: the workspace secret holding the HEC token")
    .option("--secret-ref <name>", "webhook: the workspace secret used as the HMAC key")
    .option("--batch-size <n>", "events per request or connection")
    .option("--from <where>", "start | now: deliver every retained event, or only new ones")
    .action(async (name: string, o) => {
      const def = o.file ? (JSON.parse(readFileSync(o.file, "utf8")) as SinkDefinition) : sinkFromOptions(o);
      const s = await client().putSink(o.workspace, name, def);
      json() ? printJson(s) : process.stdout.write(`sink ${s.name} (${s.kind}/${s.format}) → ${s.target}\n`);
    });
  sinks
    .command("test <name>")
    .description("send one test event and say whether it arrived")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, o) => {
      const r = await client().testSink(o.workspace, name);
      json() ? printJson(r) : process.stdout.write(`${pc.green("ok")}: a test event reached ${r.target}\n`);
    });
  sinks
    .command("remove <name>")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, o) => {
      await client().removeSink(o.workspace, name);
      process.stdout.write(`sink ${name} removed\n`);
    });
}

function sinkFromOptions(o: Record<string, string | boolean | undefined>): SinkDefinition {
  const common = {
    ...(o.format ? { format: o.format as "native" } : {}),
    ...(o.from ? { from: o.from as "start" } : {}),
    ...(o.batchSize ? { batchSize: Number(o.batchSize) } : {}),
  };
  if (o.kind === "syslog") {
    if (!o.host || !o.port) throw new CliError("a syslog sink needs --host and --port");
    return {
      kind: "syslog",
      host: String(o.host),
      port: Number(o.port),
      ...(o.tls ? { tls: true } : {}),
      ...(o.ca ? { ca: readFileSync(String(o.ca), "utf8") } : {}),
      ...common,
    };
  }
  if (o.kind === "hec") {
    if (!o.endpoint || !o.tokenSecret) throw new CliError("a hec sink needs --endpoint and --token-secret");
    return { kind: "hec", url: String(o.endpoint), tokenSecret: String(o.tokenSecret), ...common };
  }
  if (o.kind === "webhook") {
    if (!o.endpoint || !o.secretRef) throw new CliError("a webhook sink needs --endpoint and --secret-ref");
    return { kind: "webhook", url: String(o.endpoint), secretRef: String(o.secretRef), ...common };
  }
  throw new CliError("--kind must be syslog, hec or webhook (or pass --file)");
}
