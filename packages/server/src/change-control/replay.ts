import {
  compileWorkflow,
  loadManifest,
  parseDuration,
  type RecordedRun,
  replayRuns,
  TollgateError,
} from "@tollgate/core";
import type { Store } from "@tollgate/store";
import type { Clock } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";

export interface ReplayRequest {
  /** the candidate manifest, YAML or JSON text */
  candidate: string;
  /** how far back, e.g. "7d" (default 7d) */
  since?: string;
  /** most recent runs to re-decide (default 200) */
  limit?: number;
}

/**
 * Policy replay over recorded runs: an admin sees which decisions a manifest change would change
 * before making it. Read-only; nothing is executed or written.
 */
export class ReplayService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async replay(p: Principal, workspaceId: string, workflow: string, req: ReplayRequest) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, [...can.manage, "auditor"]);
    const { manifest, version } = loadManifest(req.candidate);
    if (manifest.name !== workflow)
      throw new TollgateError("invalid_manifest", `the candidate is workflow ${manifest.name}, not ${workflow}`, {
        errors: [{ path: "name", message: `must be ${workflow}` }],
      });
    const candidate = compileWorkflow(manifest, version);
    const since = req.since ?? "7d";
    let sinceMs: number;
    try {
      sinceMs = parseDuration(since);
    } catch {
      throw new TollgateError("invalid_request", `since must be a duration such as 7d or 12h, not ${since}`);
    }
    const scope = this.store.scope(tenantId);
    const current = await scope.workflows.getActive(workspaceId, workflow);
    if (!current) throw new TollgateError("not_found", `no workflow ${workflow} in workspace ${workspaceId}`);
    const runs = await scope.runs.list({
      workspaceId,
      workflow,
      since: new Date(this.clock.now().getTime() - sinceMs).toISOString(),
      limit: req.limit ?? 200,
    });
    const recorded: RecordedRun[] = [];
    for (const run of runs) {
      const calls = await scope.toolCalls.listByRun(run.id);
      recorded.push({ ...run, calls });
    }
    return { workflow, currentVersion: current.version, since, ...replayRuns(candidate, recorded) };
  }
}
