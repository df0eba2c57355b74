import { promptVersion, TollgateError } from "@tollgate/core";
import type { PromptVersionRecord, Store, TenantScope } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";

const isVersion = (ref: string) => ref.startsWith("sha256:");

export interface PromptView {
  name: string;
  version: string;
  template: string;
  labels: string[];
  createdAt: string;
}

/**
 * Prompts by content version. Labels (production, staging…) point at one version and move only
 * through this service, each move on record.
 */
export class PromptService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async put(p: Principal, workspaceId: string, name: string, req: { template: string; labels?: string[] }) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const version = promptVersion(req.template);
    const now = iso(this.clock);
    const created = await this.store.transaction(tenantId, async (s) => {
      const isNew = await s.prompts.putVersion({
        workspaceId,
        name,
        version,
        template: req.template,
        createdAt: now,
        createdBy: p.keyId,
      });
      if (isNew)
        await s.audit.append(
          [{ type: "prompt.created", workspace: workspaceId, actor: p.keyId, data: { prompt: name, version } }],
          now,
        );
      for (const label of req.labels ?? []) await this.moveLabel(s, p, workspaceId, name, label, version, now);
      return isNew;
    });
    return { name, version, created };
  }

  async setLabel(p: Principal, workspaceId: string, name: string, label: string, version: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const now = iso(this.clock);
    return this.store.transaction(tenantId, async (s) => {
      if (!(await s.prompts.getVersion(workspaceId, name, version)))
        throw new TollgateError("not_found", `no version ${version} of prompt ${name}`);
      const previous = await this.moveLabel(s, p, workspaceId, name, label, version, now);
      return { name, label, version, previousVersion: previous };
    });
  }

  /** A version by its hash, or the version a label points at, or (neither) the newest. */
  async get(p: Principal, workspaceId: string, name: string, ref?: string): Promise<PromptView> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const scope = this.store.scope(tenantId);
    const record = ref
      ? await this.byRef(tenantId, workspaceId, name, ref)
      : (await scope.prompts.history(workspaceId, name))[0];
    if (!record) throw new TollgateError("not_found", `no prompt ${name} in workspace ${workspaceId}`);
    return this.view(tenantId, record);
  }

  async history(p: Principal, workspaceId: string, name: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const scope = this.store.scope(tenantId);
    const versions = await scope.prompts.history(workspaceId, name);
    if (versions.length === 0) throw new TollgateError("not_found", `no prompt ${name} in workspace ${workspaceId}`);
    return {
      name,
      labels: await scope.prompts.labels(workspaceId, name),
      versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, createdBy: v.createdBy })),
    };
  }

  /** A version hash or a label to the stored version; throws naming what was not found. */
  async byRef(tenantId: string, workspaceId: string, name: string, ref: string): Promise<PromptVersionRecord> {
    const scope = this.store.scope(tenantId);
    const version = isVersion(ref) ? ref : await scope.prompts.labelVersion(workspaceId, name, ref);
    if (!version) throw new TollgateError("not_found", `prompt ${name} has no label ${ref}`);
    const record = await scope.prompts.getVersion(workspaceId, name, version);
    if (!record) throw new TollgateError("not_found", `no version ${version} of prompt ${name}`);
    return record;
  }

  async view(tenantId: string, r: PromptVersionRecord): Promise<PromptView> {
    const labels = await this.store.scope(tenantId).prompts.labels(r.workspaceId, r.name);
    return {
      name: r.name,
      version: r.version,
      template: r.template,
      labels: Object.entries(labels)
        .filter(([, v]) => v === r.version)
        .map(([l]) => l),
      createdAt: r.createdAt,
    };
  }

  private async moveLabel(
    s: TenantScope,
    p: Principal,
    workspaceId: string,
    name: string,
    label: string,
    version: string,
    now: string,
  ): Promise<string | null> {
    const previous = await s.prompts.setLabel(workspaceId, name, label, version, now, p.keyId);
    if (previous !== version)
      await s.audit.append(
        [
          {
            type: "prompt.label_moved",
            workspace: workspaceId,
            actor: p.keyId,
            data: { prompt: name, label, version, previousVersion: previous },
          },
        ],
        now,
      );
    return previous;
  }
}
