import { TollgateError } from "@tollgate/core";
import type { AuditSinkRecord } from "@tollgate/store";
import type { Clock } from "../../clock.js";
import type { Vault } from "../../identity/vault.js";
import { type SinkConfig, sinkConfig } from "./config.js";
import { HecTransport } from "./hec.js";
import { SyslogTransport } from "./syslog.js";
import type { SinkTransport } from "./transport.js";
import { SinkError } from "./transport.js";
import { WebhookTransport } from "./webhook.js";

/** The stored definition of a sink as its validated config. */
export function configOf(sink: Pick<AuditSinkRecord, "kind" | "format" | "config">): SinkConfig {
  return sinkConfig.parse({ ...sink.config, kind: sink.kind, format: sink.format });
}

/** Builds the transport of a sink, reading the secret it names from the vault. */
export async function openTransport(
  vault: Vault,
  clock: Clock,
  tenantId: string,
  workspaceId: string,
  config: SinkConfig,
): Promise<SinkTransport> {
  const secret = async (name: string) => {
    const v = await vault.getSecret(tenantId, workspaceId, name);
    if (v === undefined) throw new SinkError(`the workspace secret ${name} that this sink names does not exist`);
    return v;
  };
  if (config.kind === "syslog") return new SyslogTransport(config);
  if (config.kind === "hec") return new HecTransport(config, await secret(config.tokenSecret));
  if (config.kind === "webhook") return new WebhookTransport(config, await secret(config.secretRef), () => clock.now());
  throw new TollgateError("invalid_request", `unknown sink kind ${(config as { kind: string }).kind}`);
}
