import { TollgateError } from "@tollgate/core";
import type { Store, UsageGroupBy } from "@tollgate/store";
import type { Clock } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { WorkflowService } from "../workflows/service.js";

export interface UsageRequest {
  workspace: string;
  from?: string | undefined;
  to?: string | undefined;
  groupBy: UsageGroupBy;
}

interface UsageFigures {
  modelCalls: number;
  failedModelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  toolCalls: { total: number; byClass: Record<string, number>; blocked: number; failed: number };
  approvals: { total: number; byStatus: Record<string, number> };
}

const empty = (): UsageFigures => ({
  modelCalls: 0,
  failedModelCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  toolCalls: { total: 0, byClass: {}, blocked: 0, failed: 0 },
  approvals: { total: 0, byStatus: {} },
});

const defaultRangeMs = 30 * 24 * 3600 * 1000;
const failedStatuses = new Set(["failed", "outcome_unknown"]);

/** A flow the manifest declares (data.modelProviders), or null where none does. */
interface Declared {
  purpose: string;
  sends: string[];
  kinds: string[];
}

/**
 * What admins and reviewers read about model use: usage and spend over a range, and the data-flow
 * register (per workflow and provider, what the manifest declares next to what was observed).
 */
export class ModelReports {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly clock: Clock,
  ) {}

  async usage(p: Principal, req: UsageRequest) {
    const tenantId = await workspaceAccess(this.store, p, req.workspace, can.listApprovals);
    const to = req.to ?? new Date(this.clock.now().getTime() + 1).toISOString();
    const from = req.from ?? new Date(Date.parse(to) - defaultRangeMs).toISOString();
    if (from >= to) throw new TollgateError("invalid_request", `from (${from}) must be before to (${to})`);
    const q = { workspaceId: req.workspace, from, to, groupBy: req.groupBy };
    const usage = this.store.scope(tenantId).usage;
    const [models, tools, approvals] = await Promise.all([usage.models(q), usage.tools(q), usage.approvals(q)]);
    const groups = new Map<string, UsageFigures>();
    const totals = empty();
    const at = (key: string) => {
      let g = groups.get(key);
      if (!g) {
        g = empty();
        groups.set(key, g);
      }
      return g;
    };
    for (const m of models)
      for (const f of [at(m.key), totals]) {
        f.modelCalls += m.calls;
        f.failedModelCalls += m.failed;
        f.inputTokens += m.inputTokens;
        f.outputTokens += m.outputTokens;
        f.costUsd += m.costUsd;
      }
    for (const t of tools)
      for (const f of [at(t.key), totals]) {
        f.toolCalls.total += t.count;
        f.toolCalls.byClass[t.class] = (f.toolCalls.byClass[t.class] ?? 0) + t.count;
        if (t.decision === "block") f.toolCalls.blocked += t.count;
        if (failedStatuses.has(t.status)) f.toolCalls.failed += t.count;
      }
    for (const a of approvals)
      for (const f of [at(a.key), totals]) {
        f.approvals.total += a.count;
        f.approvals.byStatus[a.status] = (f.approvals.byStatus[a.status] ?? 0) + a.count;
      }
    const round = (f: UsageFigures) => ({ ...f, costUsd: Math.round(f.costUsd * 1e6) / 1e6 });
    return {
      workspace: req.workspace,
      from,
      to,
      groupBy: req.groupBy,
      groups: [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, f]) => ({ key: req.groupBy === "model" && key === "" ? "(tools)" : key, ...round(f) })),
      totals: round(totals),
    };
  }

  /** The data-flow register of a workspace: declared against observed, with warnings. */
  async dataFlows(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.listApprovals);
    const scope = this.store.scope(tenantId);
    const providers = await scope.modelConfig.providers(workspaceId);
    const kindOf = new Map(providers.map((x) => [x.name, x.kind as string]));
    const declared = new Map<string, Declared>();
    for (const w of await scope.workflows.list(workspaceId)) {
      const wf = await this.workflows.compiledVersion(tenantId, workspaceId, w.name, w.version);
      for (const d of wf.manifest.data?.modelProviders ?? [])
        declared.set(flowKey(w.name, d.provider), { purpose: d.purpose, sends: d.sends, kinds: d.kinds ?? [] });
    }
    const observed = new Map<
      string,
      {
        workflow: string;
        provider: string;
        calls: number;
        promptChars: number;
        replaced: Set<string>;
        sent: Set<string>;
        lastSeen: string;
      }
    >();
    for (const row of await scope.modelCalls.dataFlows(workspaceId)) {
      // A declaration names a provider by its configured name or by its kind ("openai").
      const kind = kindOf.get(row.provider) ?? row.provider;
      const byKind = !declared.has(flowKey(row.workflow, row.provider)) && declared.has(flowKey(row.workflow, kind));
      const key = flowKey(row.workflow, byKind ? kind : row.provider);
      const o = observed.get(key) ?? {
        workflow: row.workflow,
        provider: row.provider,
        calls: 0,
        promptChars: 0,
        replaced: new Set<string>(),
        sent: new Set<string>(),
        lastSeen: "",
      };
      o.calls += row.calls;
      o.promptChars += row.promptChars;
      for (const k of row.redacted) o.replaced.add(k);
      for (const k of row.sentKinds) o.sent.add(k);
      if (row.lastSeen > o.lastSeen) o.lastSeen = row.lastSeen;
      observed.set(key, o);
    }
    const keys = [...new Set([...declared.keys(), ...observed.keys()])].sort();
    const items = keys.map((key) => {
      const [workflow, provider] = key.split("\u0000") as [string, string];
      const d = declared.get(key) ?? null;
      const o = observed.get(key);
      const warnings: string[] = [];
      if (o && !d)
        warnings.push(
          `workflow ${workflow} sends prompts to ${provider}, but its manifest declares no such flow under data.modelProviders`,
        );
      if (o && d) {
        const sentBeyond = [...o.sent].filter((k) => !d.kinds.includes(k)).sort();
        const replacedBeyond = [...o.replaced].filter((k) => !d.kinds.includes(k) && !k.startsWith("field.")).sort();
        if (sentBeyond.length > 0)
          warnings.push(`prompts to ${provider} carried ${sentBeyond.join(", ")}, which the manifest does not declare`);
        if (replacedBeyond.length > 0)
          warnings.push(
            `prompts for ${provider} contained ${replacedBeyond.join(", ")}, which the manifest does not declare (replaced before sending)`,
          );
      }
      return {
        workflow,
        provider: o?.provider ?? provider,
        declared: d,
        observed: o
          ? {
              calls: o.calls,
              promptChars: o.promptChars,
              kindsReplaced: [...o.replaced].sort(),
              kindsSent: [...o.sent].sort(),
              lastSeen: o.lastSeen,
            }
          : null,
        warnings,
      };
    });
    return { workspace: workspaceId, generatedAt: this.clock.now().toISOString(), items };
  }
}

const flowKey = (workflow: string, provider: string) => `${workflow}\u0000${provider}`;

type Register = Awaited<ReturnType<ModelReports["dataFlows"]>>;

/** The register as Markdown a reviewer can attach to a DPA. */
export function dataFlowsMarkdown(r: Register): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    `# Data-flow register: workspace ${r.workspace}`,
    "",
    `Generated ${r.generatedAt} by Tollgate. Each row is one workflow sending prompts to one model provider: what its manifest declares (\`data.modelProviders\`) next to what Tollgate observed on the model calls it proxied. Kinds *replaced* were found in prompts and replaced with placeholders before they left; kinds *sent* were detected in what left.`,
    "",
    "| workflow | provider | declared purpose | declared fields | declared kinds | calls | prompt characters | kinds replaced | kinds sent | last seen |",
    "| --- | --- | --- | --- | --- | ---: | ---: | --- | --- | --- |",
  ];
  for (const i of r.items)
    lines.push(
      `| ${cell(i.workflow)} | ${cell(i.provider)} | ${cell(i.declared?.purpose ?? "(not declared)")} | ${cell(i.declared?.sends.join(", ") ?? "")} | ${cell(i.declared?.kinds.join(", ") ?? "")} | ${i.observed?.calls ?? 0} | ${i.observed?.promptChars ?? 0} | ${cell(i.observed?.kindsReplaced.join(", ") ?? "")} | ${cell(i.observed?.kindsSent.join(", ") ?? "")} | ${i.observed?.lastSeen ?? "never"} |`,
    );
  const warnings = r.items.flatMap((i) => i.warnings.map((w) => `- **${i.workflow} → ${i.provider}**: ${w}`));
  lines.push(
    "",
    "## Warnings",
    "",
    ...(warnings.length > 0 ? warnings : ["None: what was observed stays within what is declared."]),
    "",
  );
  return lines.join("\n");
}
