import type { Connection } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { clientFrom, CliError, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(/[\s,]+/).filter(Boolean)];

/** `tollgate connectors …`: OAuth connections, what each can do, revoke and disconnect. */
export function connectorCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;
  const connectors = program.command("connectors").description("OAuth connections of a workspace");

  connectors
    .command("list")
    .description("each connection: the systems using it, the scopes asked for and granted, who is connected")
    .requiredOption("--workspace <ws>")
    .action(async (o) => {
      const { items } = await client().listConnections(o.workspace);
      if (json()) return printJson(items);
      process.stdout.write(`${renderConnections(items)}\n`);
    });

  connectors
    .command("connect <name>")
    .description("create a connection: client credentials for a service account, or an authorization URL for a user")
    .requiredOption("--workspace <ws>")
    .requiredOption("--kind <kind>", "service | user")
    .requiredOption("--client-id <id>")
    .option("--issuer <url>", "the provider's issuer (discovery)")
    .option("--token-endpoint <url>", "instead of discovery")
    .option("--authorization-endpoint <url>")
    .option("--revocation-endpoint <url>")
    .option("--client-secret-ref <secret>", "a workspace secret holding the client secret")
    .option("--scope <scope>", "scopes (default: what the workflows list for systems using it)", list)
    .option("--redirect-uri <url>", "this server's /v1/oauth/callback as registered with the provider (kind user)")
    .option("--user <id>", "kind user: who connects")
    .option("--service-account <id>", "kind service: the service account's id")
    .option("--accept-blanket-scopes <reason>", "admin: accept blanket scopes such as * or admin, with a reason")
    .action(async (name: string, o) => {
      if (o.kind !== "user" && o.kind !== "service")
        throw new CliError(`--kind must be user or service (got ${o.kind})`);
      if (!o.issuer && !o.tokenEndpoint) throw new CliError("give --issuer (discovery) or --token-endpoint");
      const r = await client().createConnection(o.workspace, {
        name,
        kind: o.kind,
        clientId: o.clientId,
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(o.tokenEndpoint
          ? {
              endpoints: {
                token: o.tokenEndpoint,
                ...(o.authorizationEndpoint ? { authorization: o.authorizationEndpoint } : {}),
                ...(o.revocationEndpoint ? { revocation: o.revocationEndpoint } : {}),
              },
            }
          : {}),
        ...(o.clientSecretRef ? { clientSecretRef: o.clientSecretRef } : {}),
        ...(o.scope ? { scopes: o.scope } : {}),
        ...(o.redirectUri ? { redirectUri: o.redirectUri } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
        ...(o.acceptBlanketScopes ? { acceptBlanketScopes: { reason: o.acceptBlanketScopes } } : {}),
      });
      if (json()) return printJson(r);
      process.stdout.write(`${renderConnections([r.connection])}\n`);
      if (r.authorizationUrl)
        process.stdout.write(
          `${pc.yellow("open this URL as the user to finish (single use, 10 minutes):")}\n${r.authorizationUrl}\n`,
        );
    });

  connectors
    .command("revoke <name>")
    .description("revoke the tokens at the provider (RFC 7009) and delete them; runs using it then fail")
    .requiredOption("--workspace <ws>")
    .option("--acting-as <who>", "only this identity (service, user:<id>); default: every identity")
    .action(async (name: string, o) => {
      const r = await client().revokeConnection(o.workspace, name, o.actingAs);
      if (json()) return printJson(r);
      process.stdout.write(`connection ${name}: ${r.revoked} grant(s) revoked\n`);
      for (const p of r.provider)
        process.stdout.write(
          `  ${p.subject}: ${p.revoked ? pc.green("revoked at the provider") : pc.red(`provider revocation failed: ${p.error}`)}\n`,
        );
    });

  connectors
    .command("disconnect <name>")
    .description("remove the connection and its tokens")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, o) => {
      await client().disconnect(o.workspace, name);
      json()
        ? printJson({ connection: name, disconnected: true })
        : process.stdout.write(`connection ${name} removed\n`);
    });
}

function renderConnections(items: Connection[]): string {
  if (items.length === 0) return "no connections";
  const rows = items.flatMap((c) => {
    const base = [c.name, c.kind, c.systems.join(", ") || "-", c.scopes.join(" ")];
    if (c.grants.length === 0) return [[...base, "-", "not connected", ""]];
    return c.grants.map((g) => [
      ...base,
      `${g.actingAs.kind}:${g.actingAs.id}`,
      g.status,
      g.flagged ? pc.red(`wider than asked: ${g.scopesWider.join(" ")}`) : g.scopesGranted.join(" "),
    ]);
  });
  return table(["connection", "kind", "systems", "scopes asked", "acting as", "status", "granted"], rows);
}
