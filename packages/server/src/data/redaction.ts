import { createHmac } from "node:crypto";
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
  private readonly promptCache = new Map<string, { redactor: Redactor; at: number }>();

  /** every stored secret value loaded so far, so server logs (which know no tenant) redact them too */
  private readonly seen = new Set<string>();
  private logRedactor: { redactor: Redactor; size: number } | undefined;

  constructor(
    private readonly vault: Vault,
    private readonly hashKeyFor: (tenantId: string) => Promise<Buffer>,
    /** more stored secrets of a workspace: its OAuth connections' tokens */
    private readonly moreSecrets: (tenantId: string, workspaceId: string) => Promise<string[]> = async () => [],
  ) {}

  /** The workspace's stored secret values and OAuth tokens: redacted wherever they appear. */
  private async knownSecrets(tenantId: string, workspaceId: string): Promise<string[]> {
    const values = [
      ...(await this.vault.secretValues(tenantId, workspaceId)),
      ...(await this.moreSecrets(tenantId, workspaceId)),
    ];
    if (this.seen.size < 10_000) for (const v of values) this.seen.add(v);
    return values;
  }

  /**
   * The redactor of server logs: every secret detector and PII kind (IP addresses stay: they are
   * what request logs are for), plus every stored secret value this process has loaded.
   */
  forLogs(): Redactor {
    if (this.logRedactor?.size !== this.seen.size)
      this.logRedactor = {
        redactor: createRedactor({
          kinds: ["secrets", "pii.email", "pii.phone", "pii.card", "pii.iban", "pii.ssn"],
          knownSecrets: [...this.seen],
          placeholder: "kind",
        }),
        size: this.seen.size,
      };
    return this.logRedactor.redactor;
  }

  async forWorkflow(tenantId: string, workspaceId: string, wf: CompiledWorkflow | undefined): Promise<Redactor> {
    const key = `${tenantId}/${workspaceId}/${wf?.version ?? "-"}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.redactor;
    const redactor = createRedactor({
      kinds: ["secrets", ...(wf?.redact ?? [])],
      knownSecrets: await this.knownSecrets(tenantId, workspaceId),
      fields: wf?.manifest.data?.fields ?? {},
      hashKey: await this.hashKeyFor(tenantId),
      placeholder: "kind",
    });
    this.cache.set(key, { redactor, at: Date.now() });
    return redactor;
  }

  /**
   * The redactor of a run's model prompts: the workflow's kinds plus the workspace's secret values,
   * with stable placeholders ("[pii.email:1a2b3c4d]") keyed per run, so the model can still tell
   * two addresses apart and see the same one twice, while placeholders of different runs cannot be
   * joined. Field rules do not apply (a prompt has no argument paths).
   */
  async forModelPrompt(tenantId: string, workspaceId: string, wf: CompiledWorkflow, runId: string): Promise<Redactor> {
    const key = `${tenantId}/${workspaceId}/${wf.version}/run:${runId}`;
    const hit = this.promptCache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.redactor;
    const redactor = createRedactor({
      kinds: ["secrets", ...wf.redact],
      knownSecrets: await this.knownSecrets(tenantId, workspaceId),
      hashKey: createHmac("sha256", await this.hashKeyFor(tenantId))
        .update(`model-prompt:${runId}`)
        .digest(),
      placeholder: "stable",
    });
    if (this.promptCache.size >= 256) this.promptCache.clear();
    this.promptCache.set(key, { redactor, at: Date.now() });
    return redactor;
  }

  invalidate(tenantId: string, workspaceId: string): void {
    const prefix = `${tenantId}/${workspaceId}/`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
    for (const k of this.promptCache.keys()) if (k.startsWith(prefix)) this.promptCache.delete(k);
  }
}
