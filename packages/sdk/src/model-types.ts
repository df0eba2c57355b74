/** Types of the model proxy's admin and reporting API (issue 5). */

export interface ModelProvider {
  name: string;
  kind: "openai" | "anthropic";
  baseUrl: string;
  apiKeySecret: string;
  models: string[];
  updatedAt: string;
}

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface ModelPrices {
  workspace: Record<string, ModelPrice>;
  examples: Record<string, ModelPrice>;
  effective: Record<string, ModelPrice>;
}

export interface SpendCaps {
  dailyUsd: number | null;
  monthlyUsd: number | null;
}

export type UsageGroupBy = "day" | "workflow" | "model" | "agent";

export interface UsageFigures {
  modelCalls: number;
  failedModelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  toolCalls: { total: number; byClass: Record<string, number>; blocked: number; failed: number };
  approvals: { total: number; byStatus: Record<string, number> };
}

export interface Usage {
  workspace: string;
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  groups: (UsageFigures & { key: string })[];
  totals: UsageFigures;
}

export interface DataFlow {
  workflow: string;
  provider: string;
  declared: { purpose: string; sends: string[]; kinds: string[] } | null;
  observed: {
    calls: number;
    promptChars: number;
    kindsReplaced: string[];
    kindsSent: string[];
    lastSeen: string;
  } | null;
  warnings: string[];
}

export interface DataFlowRegister {
  workspace: string;
  generatedAt: string;
  items: DataFlow[];
}

export interface Alert {
  id: string;
  workspace: string;
  kind: string;
  severity: "info" | "warning" | "critical";
  runId: string | null;
  message: string;
  data: Record<string, unknown>;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** stored: no webhook channel; pending: queued or being retried; failed: a channel was given up */
  delivery: "stored" | "pending" | "delivered" | "failed";
  deliveryError: string | null;
}
