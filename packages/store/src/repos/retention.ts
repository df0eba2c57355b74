import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { Database, LegalHoldsTable } from "../schema.js";

/** What a purge leaves where a payload was. */
export const purgedMarker = "[purged]";

export interface RetentionSettingsRecord {
  workspaceId: string;
  runs: string | null;
  payloads: string | null;
  audit: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface LegalHoldRecord {
  id: string;
  workspaceId: string;
  runId: string | null;
  reason: string;
  createdBy: string;
  createdAt: string;
  releasedBy: string | null;
  releasedAt: string | null;
}

const toHold = (r: LegalHoldsTable): LegalHoldRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  runId: r.run_id,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  releasedBy: r.released_by,
  releasedAt: r.released_at,
});

export interface PayloadPurgeCounts {
  runs: number;
  toolCalls: number;
  modelCalls: number;
  approvalDecisions: number;
}

export interface RunPurgeCounts {
  runs: number;
  toolCalls: number;
  approvals: number;
  modelCalls: number;
}

const chunks = <T>(items: readonly T[], size = 200): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Retention windows, legal holds, and the purge job's reads and writes (issue 10). Payload purges
 * overwrite in place (the decision record stays); run purges delete a run and everything hanging
 * off it; audit purges delete a prefix of the tenant's chain only, so what remains still links.
 */
export class RetentionRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async settings(workspaceId: string): Promise<RetentionSettingsRecord | undefined> {
    const r = await this.db
      .selectFrom("retention_settings")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return (
      r && {
        workspaceId: r.workspace_id,
        runs: r.runs,
        payloads: r.payloads,
        audit: r.audit,
        updatedAt: r.updated_at,
        updatedBy: r.updated_by,
      }
    );
  }

  async putSettings(s: RetentionSettingsRecord): Promise<void> {
    const values = {
      runs: s.runs,
      payloads: s.payloads,
      audit: s.audit,
      updated_at: s.updatedAt,
      updated_by: s.updatedBy,
    };
    await this.db
      .insertInto("retention_settings")
      .values({ tenant_id: this.tenantId, workspace_id: s.workspaceId, ...values })
      .onConflict((oc) => oc.columns(["tenant_id", "workspace_id"]).doUpdateSet(values))
      .execute();
  }

  async addHold(h: Omit<LegalHoldRecord, "releasedBy" | "releasedAt">): Promise<void> {
    await this.db
      .insertInto("legal_holds")
      .values({
        id: h.id,
        tenant_id: this.tenantId,
        workspace_id: h.workspaceId,
        run_id: h.runId,
        reason: h.reason,
        created_by: h.createdBy,
        created_at: h.createdAt,
        released_by: null,
        released_at: null,
      })
      .execute();
  }

  /** Releases an active hold; false when there is none with that id in the workspace. */
  async releaseHold(workspaceId: string, id: string, by: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable("legal_holds")
      .set({ released_by: by, released_at: now })
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", id)
      .where("released_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async holds(workspaceId: string, activeOnly: boolean): Promise<LegalHoldRecord[]> {
    let q = this.db
      .selectFrom("legal_holds")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId);
    if (activeOnly) q = q.where("released_at", "is", null);
    return (await q.orderBy("created_at").orderBy("id").execute()).map(toHold);
  }

  /** Every run id under an active hold in the tenant (the audit purge keeps their events). */
  async heldRunIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom("legal_holds")
      .select("run_id")
      .where("tenant_id", "=", this.tenantId)
      .where("released_at", "is", null)
      .where("run_id", "is not", null)
      .execute();
    return rows.map((r) => r.run_id as string);
  }

  /**
   * Ended runs of a workflow that ended before `before`, oldest first: for `payloads`, those whose
   * payloads are not purged yet; for `runs`, all of them. Running runs are never returned.
   */
  async runsPast(
    what: "payloads" | "runs",
    workspaceId: string,
    workflow: string,
    before: string,
    excludeRunIds: readonly string[],
    limit: number,
  ): Promise<{ id: string; endedAt: string }[]> {
    let q = this.db
      .selectFrom("runs")
      .select(["id", "ended_at"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .where("ended_at", "is not", null)
      .where("ended_at", "<", before);
    if (what === "payloads") q = q.where("payloads_purged_at", "is", null);
    if (excludeRunIds.length > 0) q = q.where("id", "not in", [...excludeRunIds]);
    const rows = await q.orderBy("ended_at").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, endedAt: r.ended_at as string }));
  }

  /**
   * Replaces the payloads of these runs with the purged marker: tool-call arguments, results,
   * error messages and sealed arguments; what approvers were shown; model-call error messages; the
   * run's output. Tool, class, decision, rules, status and times stay.
   */
  async purgePayloads(runIds: readonly string[], now: string): Promise<PayloadPurgeCounts> {
    const counts: PayloadPurgeCounts = { runs: 0, toolCalls: 0, modelCalls: 0, approvalDecisions: 0 };
    const marker = toJson(purgedMarker);
    for (const ids of chunks(runIds)) {
      const errored = await this.db
        .selectFrom("tool_calls")
        .select(["id", "error"])
        .where("tenant_id", "=", this.tenantId)
        .where("run_id", "in", ids)
        .where("error", "is not", null)
        .execute();
      const calls = await this.db
        .updateTable("tool_calls")
        .set((eb) => ({
          args: marker,
          args_sealed: null,
          result: eb.case().when("result", "is", null).then(null).else(marker).end(),
        }))
        .where("tenant_id", "=", this.tenantId)
        .where("run_id", "in", ids)
        .executeTakeFirst();
      counts.toolCalls += Number(calls.numUpdatedRows);
      for (const c of errored) {
        const error = fromJson<Record<string, unknown>>(c.error, {});
        await this.db
          .updateTable("tool_calls")
          .set({ error: toJson({ ...error, message: purgedMarker }) })
          .where("tenant_id", "=", this.tenantId)
          .where("id", "=", c.id)
          .execute();
      }
      const models = await this.db
        .selectFrom("model_calls")
        .select(["id", "error"])
        .where("tenant_id", "=", this.tenantId)
        .where("run_id", "in", ids)
        .execute();
      for (const m of models) {
        if (m.error !== null) {
          const error = fromJson<Record<string, unknown>>(m.error, {});
          await this.db
            .updateTable("model_calls")
            .set({ error: toJson({ ...error, message: purgedMarker }) })
            .where("tenant_id", "=", this.tenantId)
            .where("id", "=", m.id)
            .execute();
        }
      }
      counts.modelCalls += models.length;
      const approvalIds = this.db
        .selectFrom("approvals")
        .select("id")
        .where("tenant_id", "=", this.tenantId)
        .where("run_id", "in", ids);
      const decisions = await this.db
        .updateTable("approval_decisions")
        .set({ shown: marker })
        .where("tenant_id", "=", this.tenantId)
        .where("approval_id", "in", approvalIds)
        .executeTakeFirst();
      counts.approvalDecisions += Number(decisions.numUpdatedRows);
      const runs = await this.db
        .updateTable("runs")
        .set((eb) => ({
          output: eb.case().when("output", "is", null).then(null).else(marker).end(),
          payloads_purged_at: now,
        }))
        .where("tenant_id", "=", this.tenantId)
        .where("id", "in", ids)
        .executeTakeFirst();
      counts.runs += Number(runs.numUpdatedRows);
    }
    return counts;
  }

  /** Deletes these runs and every row hanging off them (audit events have their own window). */
  async deleteRuns(runIds: readonly string[]): Promise<RunPurgeCounts> {
    const counts: RunPurgeCounts = { runs: 0, toolCalls: 0, approvals: 0, modelCalls: 0 };
    const t = this.tenantId;
    for (const ids of chunks(runIds)) {
      const approvalIds = this.db
        .selectFrom("approvals")
        .select("id")
        .where("tenant_id", "=", t)
        .where("run_id", "in", ids);
      await this.db
        .deleteFrom("approval_decisions")
        .where("tenant_id", "=", t)
        .where("approval_id", "in", approvalIds)
        .execute();
      await this.db
        .deleteFrom("notification_outbox")
        .where("tenant_id", "=", t)
        .where("subject_id", "in", approvalIds)
        .execute();
      const approvals = await this.db
        .deleteFrom("approvals")
        .where("tenant_id", "=", t)
        .where("run_id", "in", ids)
        .executeTakeFirst();
      const calls = await this.db
        .deleteFrom("tool_calls")
        .where("tenant_id", "=", t)
        .where("run_id", "in", ids)
        .executeTakeFirst();
      const models = await this.db
        .deleteFrom("model_calls")
        .where("tenant_id", "=", t)
        .where("run_id", "in", ids)
        .executeTakeFirst();
      await this.db.deleteFrom("run_versions").where("tenant_id", "=", t).where("run_id", "in", ids).execute();
      const alertIds = this.db.selectFrom("alerts").select("id").where("tenant_id", "=", t).where("run_id", "in", ids);
      await this.db
        .deleteFrom("notification_outbox")
        .where("tenant_id", "=", t)
        .where("subject_id", "in", alertIds)
        .execute();
      await this.db.deleteFrom("alerts").where("tenant_id", "=", t).where("run_id", "in", ids).execute();
      const runs = await this.db
        .deleteFrom("runs")
        .where("tenant_id", "=", t)
        .where("id", "in", ids)
        .executeTakeFirst();
      counts.approvals += Number(approvals.numDeletedRows);
      counts.toolCalls += Number(calls.numDeletedRows);
      counts.modelCalls += Number(models.numDeletedRows);
      counts.runs += Number(runs.numDeletedRows);
    }
    return counts;
  }

  /**
   * The first audit seq to keep for one scope: the first event of the workspace (null: the
   * tenant's own events) at or after `since`; with `since` undefined, its first event at all.
   */
  async firstAuditSeq(workspaceId: string | null, since: string | undefined): Promise<number | undefined> {
    // the scope's events in seq order (index audit_events_ws), stopping at the first match: the
    // ones before it are the few the job is about to purge, where min(seq) would read them all
    let q = this.db.selectFrom("audit_events").select("seq").where("tenant_id", "=", this.tenantId);
    q = workspaceId === null ? q.where("workspace_id", "is", null) : q.where("workspace_id", "=", workspaceId);
    if (since !== undefined) q = q.where("ts", ">=", since);
    const r = await q.orderBy("seq").limit(1).executeTakeFirst();
    return r === undefined ? undefined : Number(r.seq);
  }

  /** The first audit seq of any of these runs. */
  async firstAuditSeqOfRuns(runIds: readonly string[]): Promise<number | undefined> {
    let first: number | undefined;
    for (const ids of chunks(runIds)) {
      const r = await this.db
        .selectFrom("audit_events")
        .select((eb) => eb.fn.min("seq").as("m"))
        .where("tenant_id", "=", this.tenantId)
        .where("run_id", "in", ids)
        .executeTakeFirst();
      if (r?.m !== null && r?.m !== undefined) first = Math.min(first ?? Number.MAX_SAFE_INTEGER, Number(r.m));
    }
    return first;
  }

  /** The first seq still stored (undefined when the chain is empty). */
  async firstStoredSeq(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom("audit_events")
      .select((eb) => eb.fn.min("seq").as("m"))
      .where("tenant_id", "=", this.tenantId)
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  /** Events up to and including `seq`, counted per workspace ("" for the tenant's own). */
  async countAuditUpTo(seq: number): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("audit_events")
      .select((eb) => ["workspace_id", eb.fn.countAll<number>().as("n")])
      .where("tenant_id", "=", this.tenantId)
      .where("seq", "<=", seq)
      .groupBy("workspace_id")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.workspace_id ?? "", Number(r.n)]));
  }

  async auditEventAt(seq: number): Promise<{ seq: number; hash: string; ts: string } | undefined> {
    const r = await this.db
      .selectFrom("audit_events")
      .select(["seq", "hash", "ts"])
      .where("tenant_id", "=", this.tenantId)
      .where("seq", "=", seq)
      .executeTakeFirst();
    return r && { seq: Number(r.seq), hash: r.hash, ts: r.ts };
  }

  /** Deletes the chain's prefix up to and including `seq`. */
  async deleteAuditUpTo(seq: number): Promise<number> {
    const r = await this.db
      .deleteFrom("audit_events")
      .where("tenant_id", "=", this.tenantId)
      .where("seq", "<=", seq)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
