import { type CompiledWorkflow, createRedactor, type Redactor } from "@tollgate/core";
import type { Vault } from "../identity/vault.js";

const ttlMs = 5_000;

/**
 * One redactor per (tenant, workspace, workflow version): the manifest's kinds and field rules,
 * plus every secret value the workspace stores. Rebuilt when secrets change here, and at most
 * a few seconds late for changes made on another replica.
 */
export class RedactionService {
  private readonly cache = new Map<string, { redactor: Redactor; at: number }>();

  constructor(
    private readonly vault: Vault,
    private readonly hashKeyFor: (tenantId: string) => Promise<Buffer>,
  ) {}

  async forWorkflow(tenantId: string, workspaceId: string, wf: CompiledWorkflow | undefined): Promise<Redactor> {
    const key = `${tenantId}/${workspaceId}/${wf?.version ?? "-"}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.redactor;
    const redactor = createRedactor({
      kinds: ["secrets", ...(wf?.redact ?? [])],
      knownSecrets: await this.vault.secretValues(tenantId, workspaceId),
      fields: wf?.manifest.data?.fields ?? {},
      hashKey: await this.hashKeyFor(tenantId),
      placeholder: "kind",
    });
    this.cache.set(key, { redactor, at: Date.now() });
    return redactor;
  }

  invalidate(tenantId: string, workspaceId: string): void {
    const prefix = `${tenantId}/${workspaceId}/`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
  }
}
