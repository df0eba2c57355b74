import { type Kysely, PostgresAdapter, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import { affectedRows, prepared } from "../prepared.js";
import type { Database, ModelCallsTable } from "../schema.js";
import { guardedInsert } from "./guarded-insert.js";
import { modelCallReservation, RunsRepo } from "./runs.js";

export type ModelCallStatus = "executing" | "succeeded" | "failed";

/** One model call through the proxy: where it went, what was found and replaced, what it cost. */
export interface ModelCallRecord {
  id: string;
  workspaceId: string;
  runId: string;
  workflow: string;
  agent: string | null;
  provider: string;
  /** the API shape the agent used: openai (chat completions) or anthropic (messages) */
  api: string;
  model: string;
  stream: boolean;
  status: ModelCallStatus;
  /** hash of the redacted request (model, messages, tools): repeated identical calls share it */
  requestHash: string;
  /** characters of prompt text sent (after redaction): the volume of the data flow */
  promptChars: number;
  /** kinds of data found and replaced in the prompt before it left ("pii.email", "secrets.known", …) */
  redacted: string[];
  redactions: number;
  /** kinds of personal data still detected in what was sent (kinds the workflow does not redact) */
  sentKinds: string[];
  inputTokens: number;
  outputTokens: number;
  reservedUsd: number;
  costUsd: number;
  error: { code: string; message: string; upstreamStatus?: number } | null;
  requestedBy: string;
  createdAt: string;
  firstTokenMs: number | null;
  durationMs: number | null;
  finishedAt: string | null;
}

export type NewModelCall = Omit<
  ModelCallRecord,
  "status" | "inputTokens" | "outputTokens" | "costUsd" | "error" | "firstTokenMs" | "durationMs" | "finishedAt"
>;

export interface ModelCallOutcome {
  status: Exclude<ModelCallStatus, "executing">;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  error: ModelCallRecord["error"];
  firstTokenMs: number | null;
  durationMs: number;
  finishedAt: string;
}

/** What the data-flow register is built from: per workflow, provider and sets of kinds found. */
export interface DataFlowRow {
  workflow: string;
  provider: string;
  redacted: string[];
  sentKinds: string[];
  calls: number;
  promptChars: number;
  lastSeen: string;
}

const toRecord = (r: ModelCallsTable): ModelCallRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  runId: r.run_id,
  workflow: r.workflow,
  agent: r.agent,
  provider: r.provider,
  api: r.api,
  model: r.model,
  stream: Number(r.stream) === 1,
  status: r.status as ModelCallStatus,
  requestHash: r.request_hash,
  promptChars: Number(r.prompt_chars),
  redacted: fromJson(r.redacted, []),
  redactions: Number(r.redactions),
  sentKinds: fromJson(r.sent_kinds, []),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  reservedUsd: Number(r.reserved_usd),
  costUsd: Number(r.cost_usd),
  error: fromJson(r.error, null),
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  firstTokenMs: r.first_token_ms === null ? null : Number(r.first_token_ms),
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  finishedAt: r.finished_at,
});

/** A call's values in the order rowOf names them (eighteen in a prepared INSERT). */
const valuesOf = (tenantId: string, c: NewModelCall) => [
  c.id,
  tenantId,
  c.workspaceId,
  c.runId,
  c.workflow,
  c.agent,
  c.provider,
  c.api,
  c.model,
  c.stream ? 1 : 0,
  c.requestHash,
  c.promptChars,
  toJson(c.redacted),
  c.redactions,
  toJson(c.sentKinds),
  c.reservedUsd,
  c.requestedBy,
  c.createdAt,
];

// biome-ignore lint/suspicious/noExplicitAny: slots or the values of valuesOf() above
const rowOf = (v: any[]) => ({
  id: v[0],
  tenant_id: v[1],
  workspace_id: v[2],
  run_id: v[3],
  workflow: v[4],
  agent: v[5],
  provider: v[6],
  api: v[7],
  model: v[8],
  stream: v[9],
  status: "executing",
  request_hash: v[10],
  prompt_chars: v[11],
  redacted: v[12],
  redactions: v[13],
  sent_kinds: v[14],
  input_tokens: 0,
  output_tokens: 0,
  reserved_usd: v[15],
  cost_usd: 0,
  error: null,
  requested_by: v[16],
  created_at: v[17],
  first_token_ms: null,
  duration_ms: null,
  finished_at: null,
});

export class ModelCallsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async insert(c: NewModelCall): Promise<void> {
    await prepared(this.db, "modelCalls.insert", valuesOf(this.tenantId, c), (db, v) =>
      db.insertInto("model_calls").values(rowOf(v)),
    );
  }

  /**
   * The intent of a model call: takes one model call and `reserveUsd` from the run's budgets (as
   * RunsRepo.reserveModelCall) and inserts the call's row. False, with nothing written, when the
   * run is not running or a cap would be passed. On PostgreSQL one statement (guardedInsert), a
   * round trip less before the provider is asked; SQLite runs the UPDATE and then the INSERT.
   */
  async insertReserving(
    c: NewModelCall,
    caps: { modelCalls?: number | undefined; costUsd?: number | undefined },
    reserveUsd: number,
  ): Promise<boolean> {
    if (!(this.db.getExecutor().adapter instanceof PostgresAdapter)) {
      if (!(await new RunsRepo(this.db, this.tenantId).reserveModelCall(c.runId, caps, reserveUsd))) return false;
      await this.insert(c);
      return true;
    }
    const m = modelCallReservation(this.tenantId, c.runId, caps, reserveUsd);
    const values = [...m.values, ...valuesOf(this.tenantId, c)];
    const r = await prepared(this.db, `modelCalls.insertReserving:${m.key}`, values, (db, v) =>
      guardedInsert(
        db,
        m.query(db, v).returning(sql<number>`1`.as("one")),
        "model_calls",
        [rowOf(v.slice(m.values.length))],
        {
          stream: "integer",
          prompt_chars: "integer",
          redactions: "integer",
          reserved_usd: "double precision",
        },
      ),
    );
    return affectedRows(r) === 1;
  }

  /** Records the outcome once: false when the call was already finished. */
  async finish(id: string, o: ModelCallOutcome): Promise<boolean> {
    const values = [
      o.status,
      o.inputTokens,
      o.outputTokens,
      o.costUsd,
      o.error ? toJson(o.error) : null,
      o.firstTokenMs,
      o.durationMs,
      o.finishedAt,
      this.tenantId,
      id,
    ];
    const r = await prepared(this.db, "modelCalls.finish", values, (db, v) =>
      db
        .updateTable("model_calls")
        .set({
          status: v[0],
          input_tokens: v[1],
          output_tokens: v[2],
          cost_usd: v[3],
          error: v[4],
          first_token_ms: v[5],
          duration_ms: v[6],
          finished_at: v[7],
        })
        .where("tenant_id", "=", v[8])
        .where("id", "=", v[9])
        .where("status", "=", "executing"),
    );
    return affectedRows(r) > 0;
  }

  async get(id: string): Promise<ModelCallRecord | undefined> {
    const r = await this.db
      .selectFrom("model_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async listForRun(runId: string): Promise<ModelCallRecord[]> {
    const rows = await this.db
      .selectFrom("model_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("run_id", "=", runId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toRecord);
  }

  /** Start-up recovery: calls whose outcome was never written (the process died mid-call). */
  async listExecuting(): Promise<ModelCallRecord[]> {
    const rows = await this.db
      .selectFrom("model_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      // a literal: within the partial index model_calls_executing (migration 011)
      .where("status", "=", sql.lit("executing"))
      .execute();
    return rows.map(toRecord);
  }

  /** Observed data flows of a workspace, grouped by workflow, provider and the set of kinds found. */
  async dataFlows(workspaceId: string): Promise<DataFlowRow[]> {
    const rows = await this.db
      .selectFrom("model_calls")
      .select((eb) => [
        "workflow",
        "provider",
        "redacted",
        "sent_kinds",
        eb.fn.countAll<number>().as("calls"),
        eb.fn.sum<number>("prompt_chars").as("chars"),
        eb.fn.max("created_at").as("last"),
      ])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .groupBy(["workflow", "provider", "redacted", "sent_kinds"])
      .execute();
    return rows.map((r) => ({
      workflow: r.workflow,
      provider: r.provider,
      redacted: fromJson(r.redacted, []),
      sentKinds: fromJson(r.sent_kinds, []),
      calls: Number(r.calls),
      promptChars: Number(r.chars ?? 0),
      lastSeen: String(r.last),
    }));
  }
}
