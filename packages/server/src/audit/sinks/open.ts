import { TollgateError } from "@tollgate/core";
import type { AuditSinkRecord } from "@tollgate/store";
import type { Clock } from "../../clock.js";
import type { Outbound } from "../../identity/outbound.js";
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

/**
 * Builds sinks' transports: each reads the secret its sink names from the vault, and connects
 * only where the outbound address checks allow (a tenant's admin chooses a sink's address).
 */
export class SinkTransports {
  constructor(
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly outbound: Outbound,
  ) {}

  async open(tenantId: string, workspaceId: string, config: SinkConfig): Promise<SinkTransport> {
    const secret = async (name: string) => {
      const v = await this.vault.getSecret(tenantId, workspaceId, name);
      if (v === undefined) throw new SinkError(`the workspace secret ${name} that this sink names does not exist`);
      return v;
    };
    const { outbound, clock } = this;
    if (config.kind === "syslog") return new SyslogTransport(config, (host) => outbound.socketOptions(host));
    if (config.kind === "hec") return new HecTransport(config, await secret(config.tokenSecret), outbound.agent);
    if (config.kind === "webhook")
      return new WebhookTransport(config, await secret(config.secretRef), () => clock.now(), outbound.agent);
    throw new TollgateError("invalid_request", `unknown sink kind ${(config as { kind: string }).kind}`);
  }
}
