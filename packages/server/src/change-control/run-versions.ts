import { TollgateError } from "@tollgate/core";
import type { ReleaseRecord, RunVersions, Store } from "@tollgate/store";
import type { PromptService } from "./prompts.js";

/** What `POST /v1/runs` may name: versions (prompts by hash or label) or a release, not both. */
export interface RequestedVersions {
  versions?: { workflow?: string; prompts?: Record<string, string>; model?: string };
  release?: string;
}

/**
 * The versions a new run is pinned to. A release named by the run, else the versions it names
 * over the workflow's active release, else the workflow's active manifest version. Prompts named
 * by label are resolved to their version now, so the run records what it really used.
 */
export class RunVersionResolver {
  constructor(
    private readonly store: Store,
    private readonly prompts: PromptService,
  ) {}

  async resolve(
    tenantId: string,
    workspaceId: string,
    workflow: string,
    req: RequestedVersions,
  ): Promise<Omit<RunVersions, "tools" | "workflow"> & { workflow: string | null }> {
    const scope = this.store.scope(tenantId);
    if (req.release && req.versions)
      throw new TollgateError("invalid_request", "a run names versions or a release, not both");
    let base: ReleaseRecord | undefined;
    if (req.release) {
      base = await scope.releases.get(req.release);
      if (!base || base.workspaceId !== workspaceId)
        throw new TollgateError("not_found", `no release ${req.release} in workspace ${workspaceId}`);
      if (base.workflow !== workflow)
        throw new TollgateError(
          "invalid_request",
          `release ${req.release} is of workflow ${base.workflow}, not ${workflow}`,
        );
    } else {
      const active = await scope.releases.active(workspaceId, workflow);
      base = active ? await scope.releases.get(active.releaseId) : undefined;
    }
    const prompts: Record<string, string> = { ...(base?.prompts ?? {}) };
    for (const [name, ref] of Object.entries(req.versions?.prompts ?? {}))
      prompts[name] = (await this.prompts.byRef(tenantId, workspaceId, name, ref)).version;
    return {
      workflow: req.versions?.workflow ?? base?.workflowVersion ?? null,
      prompts,
      model: req.versions?.model ?? base?.model ?? null,
      release: req.release ?? (req.versions ? null : (base?.id ?? null)),
    };
  }

  /** `system.tool` → the pinned hash of each upstream MCP tool of the manifest version (issue 4's pins). */
  async toolHashes(tenantId: string, workspaceId: string, workflow: string, version: string) {
    const pins = await this.store.scope(tenantId).toolPins.listForVersion(workspaceId, workflow, version);
    return Object.fromEntries(pins.map((p) => [`${p.system}.${p.tool}`, p.hash]));
  }
}
