import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../schema.js";

export type UsageGroupBy = "day" | "workflow" | "model" | "agent";

export interface UsageQuery {
  workspaceId: string;
  /** ISO times; `from` inclusive, `to` exclusive */
  from: string;
  to: string;
  groupBy: UsageGroupBy;
}

export interface ModelUsageRow {
  key: string;
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface ToolUsageRow {
  key: string;
  class: string;
  decision: string;
  status: string;
  count: number;
}

export interface ApprovalUsageRow {
  key: string;
  status: string;
  count: number;
}

/**
 * The group key of each table for a grouping. Tool calls and approvals have no model: under
 * `groupBy=model` they fall in the group "" (shown as "(tools)").
 */
function keyOf(table: "m" | "t" | "a", groupBy: UsageGroupBy): RawBuilder<string> {
  switch (groupBy) {
    case "day":
      return sql<string>`substr(${sql.ref(`${table}.created_at`)}, 1, 10)`;
    case "workflow":
      return sql<string>`r.workflow`;
    case "agent":
      return sql<string>`coalesce(r.agent, '')`;
    case "model":
      return table === "m" ? sql<string>`m.model` : noModel;
  }
}

/** PostgreSQL refuses a constant in GROUP BY: the tools' model key ('') is left out of it. */
function groupKey(key: RawBuilder<string>): RawBuilder<string> {
  return key === noModel ? sql<string>`` : sql<string>`${key}, `;
}

const noModel = sql<string>`''`;

/** Usage of a workspace over a time range: model calls, tool calls by class and outcome, approvals. */
export class UsageRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async models(q: UsageQuery): Promise<ModelUsageRow[]> {
    const key = keyOf("m", q.groupBy);
    const r = await sql<{
      grp: string;
      calls: number | string;
      failed: number | string;
      input_tokens: number | string | null;
      output_tokens: number | string | null;
      cost_usd: number | string | null;
    }>`select ${key} as grp, count(*) as calls,
          sum(case when m.status = 'failed' then 1 else 0 end) as failed,
          sum(m.input_tokens) as input_tokens, sum(m.output_tokens) as output_tokens, sum(m.cost_usd) as cost_usd
        from model_calls m join runs r on r.tenant_id = m.tenant_id and r.id = m.run_id
        where m.tenant_id = ${this.tenantId} and m.workspace_id = ${q.workspaceId}
          and m.created_at >= ${q.from} and m.created_at < ${q.to}
        group by ${key}`.execute(this.db);
    return r.rows.map((x) => ({
      key: String(x.grp),
      calls: Number(x.calls),
      failed: Number(x.failed),
      inputTokens: Number(x.input_tokens ?? 0),
      outputTokens: Number(x.output_tokens ?? 0),
      costUsd: Number(x.cost_usd ?? 0),
    }));
  }

  async tools(q: UsageQuery): Promise<ToolUsageRow[]> {
    const key = keyOf("t", q.groupBy);
    const r = await sql<{ grp: string; class: string; decision: string; status: string; n: number | string }>`
        select ${key} as grp, t.class as class, t.decision as decision, t.status as status, count(*) as n
        from tool_calls t join runs r on r.tenant_id = t.tenant_id and r.id = t.run_id
        where t.tenant_id = ${this.tenantId} and t.workspace_id = ${q.workspaceId}
          and t.created_at >= ${q.from} and t.created_at < ${q.to}
        group by ${groupKey(key)}t.class, t.decision, t.status`.execute(this.db);
    return r.rows.map((x) => ({
      key: String(x.grp),
      class: x.class,
      decision: x.decision,
      status: x.status,
      count: Number(x.n),
    }));
  }

  async approvals(q: UsageQuery): Promise<ApprovalUsageRow[]> {
    const key = keyOf("a", q.groupBy);
    const r = await sql<{ grp: string; status: string; n: number | string }>`
        select ${key} as grp, a.status as status, count(*) as n
        from approvals a join runs r on r.tenant_id = a.tenant_id and r.id = a.run_id
        where a.tenant_id = ${this.tenantId} and a.workspace_id = ${q.workspaceId}
          and a.created_at >= ${q.from} and a.created_at < ${q.to}
        group by ${groupKey(key)}a.status`.execute(this.db);
    return r.rows.map((x) => ({ key: String(x.grp), status: x.status, count: Number(x.n) }));
  }
}
