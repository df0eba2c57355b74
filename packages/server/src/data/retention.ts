import { type Manifest, parseDuration, TollgateError } from "@tollgate/core";
import type { NewAuditEvent, Store } from "@tollgate/store";
import type { AuditSigner } from "../audit/signing.js";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { WorkflowService } from "../workflows/service.js";

export interface RetentionWindows {
  runs: string;
  payloads: string;
  audit: string;
}

/** When nothing is configured: payloads 30 days, runs 90 days, audit 400 days (DESIGN §2). */
export const defaultRetention: RetentionWindows = { runs: "90d", payloads: "30d", audit: "400d" };

export interface WorkflowPurge {
  workflow: string;
  windows: RetentionWindows;
  /** runs whose payloads go (ended before `before`) */
  payloads: { runs: number; before: string };
  /** runs deleted whole */
  runs: { runs: number; before: string };
}

export interface PurgeReport {
  dryRun: boolean;
  at: string;
  workspaces: { workspace: string; held: boolean; heldRuns: number; workflows: WorkflowPurge[] }[];
  /** the tenant chain's prefix that goes: events up to `through`, counted per workspace ("" = tenant-wide) */
  audit: { through: number | null; events: number; byWorkspace: Record<string, number> };
}

type Settings = Partial<Record<keyof RetentionWindows, string | null>>;

const batch = 500;

/**
 * Retention (issue 10). Windows come from the workflow's active manifest (`data.retention`), else
 * the workspace's setting, else the defaults. Payloads go first (replaced by "[purged]" while the
 * decision record stays), whole runs next, then the oldest audit events: only a prefix of the
 * tenant's chain, cut at a checkpoint signed on its last removed row, so what remains verifies.
 * A legal hold on a workspace or a run stops all three. Every purge is an audit event.
 */
export class RetentionService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly signer: AuditSigner,
    private readonly clock: Clock,
  ) {}

  async show(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readAudit);
    const scope = this.store.scope(tenantId);
    const settings = await scope.retention.settings(workspaceId);
    const workspace = this.workspaceWindows(settings);
    const workflows = [];
    for (const w of await scope.workflows.list(workspaceId))
      workflows.push({
        workflow: w.name,
        windows: await this.workflowWindows(tenantId, workspaceId, w.name, workspace),
      });
    return {
      workspace: workspaceId,
      defaults: defaultRetention,
      settings: { runs: settings?.runs ?? null, payloads: settings?.payloads ?? null, audit: settings?.audit ?? null },
      effective: workspace,
      workflows,
      updatedAt: settings?.updatedAt ?? null,
      updatedBy: settings?.updatedBy ?? null,
      legalHolds: await scope.retention.holds(workspaceId, true),
    };
  }

  async set(p: Principal, workspaceId: string, windows: Settings) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    for (const v of Object.values(windows)) if (v) parseDuration(v);
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      const before = await s.retention.settings(workspaceId);
      const next = {
        runs: windows.runs === undefined ? (before?.runs ?? null) : windows.runs,
        payloads: windows.payloads === undefined ? (before?.payloads ?? null) : windows.payloads,
        audit: windows.audit === undefined ? (before?.audit ?? null) : windows.audit,
      };
      await s.retention.putSettings({ workspaceId, ...next, updatedAt: now, updatedBy: p.keyId });
      await s.audit.append([{ type: "retention.set", workspace: workspaceId, actor: p.keyId, data: { ...next } }], now);
    });
    return this.show(p, workspaceId);
  }

  /** `POST /v1/workspaces/{ws}/retention/purge`: one workspace's runs and the tenant's audit prefix. */
  async purge(p: Principal, workspaceId: string, dryRun: boolean): Promise<PurgeReport> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    return this.purgeTenant(tenantId, { dryRun, workspaceId, actor: p.keyId });
  }

  /**
   * The jobs runner's entry: a pass at most once per minute of the injected clock (windows are
   * days long; a test that moves the clock gets its pass at the next `jobs.runOnce()`).
   */
  async runDue(): Promise<void> {
    const now = this.clock.now().getTime();
    if (this.lastPass !== undefined && now - this.lastPass < 60_000) return;
    this.lastPass = now;
    await this.runOnce();
  }

  private lastPass: number | undefined;

  /** One pass over every tenant, every workspace. */
  async runOnce(): Promise<PurgeReport[]> {
    const reports = [];
    for (const tenantId of await this.store.tenantIds())
      reports.push(await this.purgeTenant(tenantId, { dryRun: false, actor: "retention-job" }));
    return reports;
  }

  async purgeTenant(
    tenantId: string,
    o: { dryRun: boolean; workspaceId?: string; actor: string },
  ): Promise<PurgeReport> {
    const scope = this.store.scope(tenantId);
    const now = this.clock.now().getTime();
    const report: PurgeReport = {
      dryRun: o.dryRun,
      at: new Date(now).toISOString(),
      workspaces: [],
      audit: { through: null, events: 0, byWorkspace: {} },
    };
    const heldRuns = await scope.retention.heldRunIds();
    const auditKeepFrom: (number | undefined)[] = [];
    let longestAudit = parseDuration(defaultRetention.audit);
    for (const ws of await scope.workspaces.list()) {
      const workspace = this.workspaceWindows(await scope.retention.settings(ws.id));
      const holds = await scope.retention.holds(ws.id, true);
      const held = holds.some((h) => h.runId === null);
      const workflows: WorkflowPurge[] = [];
      let auditMs = parseDuration(workspace.audit);
      for (const w of await scope.workflows.list(ws.id)) {
        const windows = await this.workflowWindows(tenantId, ws.id, w.name, workspace);
        auditMs = Math.max(auditMs, parseDuration(windows.audit));
        if (held || (o.workspaceId && o.workspaceId !== ws.id)) continue;
        workflows.push(await this.purgeWorkflow(tenantId, ws.id, w.name, windows, heldRuns, now, o));
      }
      longestAudit = Math.max(longestAudit, auditMs);
      // a held workspace keeps all its events; others keep those inside their window
      auditKeepFrom.push(
        await scope.retention.firstAuditSeq(ws.id, held ? undefined : new Date(now - auditMs).toISOString()),
      );
      if (!o.workspaceId || o.workspaceId === ws.id)
        report.workspaces.push({ workspace: ws.id, held, heldRuns: holds.length - (held ? 1 : 0), workflows });
    }
    auditKeepFrom.push(await scope.retention.firstAuditSeq(null, new Date(now - longestAudit).toISOString()));
    if (heldRuns.length > 0) auditKeepFrom.push(await scope.retention.firstAuditSeqOfRuns(heldRuns));
    report.audit = await this.purgeAudit(tenantId, auditKeepFrom, o);
    return report;
  }

  private async purgeWorkflow(
    tenantId: string,
    workspaceId: string,
    workflow: string,
    windows: RetentionWindows,
    heldRuns: string[],
    now: number,
    o: { dryRun: boolean; actor: string },
  ): Promise<WorkflowPurge> {
    const out: WorkflowPurge = {
      workflow,
      windows,
      payloads: { runs: 0, before: new Date(now - parseDuration(windows.payloads)).toISOString() },
      runs: { runs: 0, before: new Date(now - parseDuration(windows.runs)).toISOString() },
    };
    for (const what of ["payloads", "runs"] as const) {
      const before = out[what].before;
      for (;;) {
        const due = await this.store
          .scope(tenantId)
          .retention.runsPast(what, workspaceId, workflow, before, heldRuns, o.dryRun ? 100_000 : batch);
        if (due.length === 0) break;
        out[what].runs += due.length;
        if (o.dryRun) break;
        const ids = due.map((r) => r.id);
        const at = iso(this.clock);
        await this.store.transaction(tenantId, async (s) => {
          const counts =
            what === "payloads" ? await s.retention.purgePayloads(ids, at) : await s.retention.deleteRuns(ids);
          await s.audit.append(
            [
              {
                type: "data.purged",
                workspace: workspaceId,
                actor: o.actor,
                data: { what, workflow, window: windows[what], before, counts },
              },
            ],
            at,
          );
        });
        if (due.length < batch) break;
      }
    }
    return out;
  }

  private async purgeAudit(
    tenantId: string,
    keepFrom: (number | undefined)[],
    o: { dryRun: boolean; actor: string },
  ): Promise<PurgeReport["audit"]> {
    const scope = this.store.scope(tenantId);
    const head = await scope.audit.head();
    const first = await scope.retention.firstStoredSeq();
    const keep = Math.min(head.seq + 1, ...keepFrom.filter((s): s is number => s !== undefined));
    const through = keep - 1;
    if (first === undefined || through < first) return { through: null, events: 0, byWorkspace: {} };
    const byWorkspace = await scope.retention.countAuditUpTo(through);
    const events = Object.values(byWorkspace).reduce((a, b) => a + b, 0);
    if (o.dryRun) return { through, events, byWorkspace };
    const last = await scope.retention.auditEventAt(through);
    if (!last) throw new TollgateError("internal", `audit row ${through} of tenant ${tenantId} is missing`);
    // the checkpoint on the last removed row is where verification of what remains starts
    await this.signer.checkpointAt(tenantId, last);
    const at = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.retention.deleteAuditUpTo(through);
      const purged: NewAuditEvent[] = Object.entries(byWorkspace).map(([ws, n]) => ({
        type: "data.purged",
        workspace: ws === "" ? null : ws,
        actor: o.actor,
        data: {
          what: "audit",
          through,
          before: last.ts,
          counts: { events: n },
          anchor: { seq: last.seq, hash: last.hash },
        },
      }));
      await s.audit.append(purged, at);
    });
    return { through, events, byWorkspace };
  }

  private workspaceWindows(settings: Settings | undefined): RetentionWindows {
    return {
      runs: settings?.runs ?? defaultRetention.runs,
      payloads: settings?.payloads ?? defaultRetention.payloads,
      audit: settings?.audit ?? defaultRetention.audit,
    };
  }

  /** A workflow's own `data.retention` (its active version) over the workspace's windows. */
  private async workflowWindows(
    tenantId: string,
    workspaceId: string,
    workflow: string,
    workspace: RetentionWindows,
  ): Promise<RetentionWindows> {
    const active = await this.workflows.getActive(tenantId, workspaceId, workflow);
    const own = (active.manifest as Manifest).data?.retention ?? {};
    const windows = {
      runs: own.runs ?? workspace.runs,
      payloads: own.payloads ?? workspace.payloads,
      audit: own.audit ?? workspace.audit,
    };
    // payloads never outlive their run
    if (parseDuration(windows.payloads) > parseDuration(windows.runs)) windows.payloads = windows.runs;
    return windows;
  }
}
