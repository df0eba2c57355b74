import {
  assessRecord,
  assessWorkflow,
  type ReadinessReport,
  TollgateError,
  type WorkflowReadiness,
  type WorkspaceFacts,
  worstOf,
} from "@tollgate/core";
import type { Store } from "@tollgate/store";
import type { AuditService } from "../audit/service.js";
import type { SinkService } from "../audit/sinks/service.js";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import { whyKeyStopped } from "../identity/keys.js";
import type { Principal } from "../identity/principal.js";
import type { WorkflowService } from "../workflows/service.js";

/**
 * The readiness report (DESIGN: for the buyer's security reviewers): gathers what the workspace
 * holds and lets core's assessment say what it means for each workflow.
 */
export class ReadinessService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly audit: AuditService,
    private readonly sinks: SinkService,
    private readonly clock: Clock,
  ) {}

  async report(p: Principal, workspaceId: string, workflow?: string): Promise<ReadinessReport> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    const scope = this.store.scope(tenantId);
    const active = (await scope.workflows.list(workspaceId)).filter(
      (w) => workflow === undefined || w.name === workflow,
    );
    if (workflow !== undefined && active.length === 0)
      throw new TollgateError("not_found", `no workflow ${workflow} in workspace ${workspaceId}`);
    const facts = await this.workspaceFacts(tenantId, workspaceId);
    const workflows: WorkflowReadiness[] = [];
    for (const w of active)
      workflows.push(
        assessWorkflow(await this.workflows.compiledVersion(tenantId, workspaceId, w.name, w.version), facts),
      );
    const record = assessRecord({
      audit: await this.audit.verify(p, workspaceId),
      sinks: (await this.sinks.list(p, workspaceId)).map((s) => ({
        name: s.name,
        failures: s.failures,
        lastError: s.lastError,
      })),
      notificationChannels: (await scope.notifications.channels(workspaceId)).length,
    });
    return {
      workspace: workspaceId,
      generatedAt: iso(this.clock),
      status: worstOf([...workflows.map((w) => w.status), ...record.map((c) => c.status)]),
      workflows,
      record,
    };
  }

  private async workspaceFacts(tenantId: string, workspaceId: string): Promise<WorkspaceFacts> {
    const scope = this.store.scope(tenantId);
    const now = iso(this.clock);
    const connections = new Map<string, { grants: number }>();
    for (const c of await scope.oauth.listConnections(workspaceId)) {
      const grants = await scope.oauth.listGrants(workspaceId, c.name);
      connections.set(c.name, { grants: grants.filter((g) => g.status === "connected").length });
    }
    const activeKeys = { admin: 0, approver: 0 };
    for (const k of await scope.keys.list(workspaceId)) {
      if ((k.role === "admin" || k.role === "approver") && !whyKeyStopped(k, now)) activeKeys[k.role]++;
    }
    return {
      secrets: new Set((await scope.secrets.list(workspaceId)).map((s) => s.name)),
      connections,
      activeKeys,
      modelProviders: (await scope.modelConfig.providers(workspaceId)).length,
    };
  }
}
