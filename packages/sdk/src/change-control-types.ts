/** Shapes of the change-control API (issue 11): versions, prompts, releases, replay, recorded calls. */
import type { ToolCall } from "./types.js";

export interface RunVersions {
  workflow: string;
  prompts: Record<string, string>;
  tools: Record<string, string>;
  model: string | null;
  release: string | null;
}

/** What `POST /v1/runs` may pin: versions (prompts by hash or label) or a release, not both. */
export interface RunPinning {
  versions?: { workflow?: string; prompts?: Record<string, string>; model?: string };
  release?: string;
  /** a simulated run: scripted responses per tool id instead of the real systems */
  simulation?: { responses: Record<string, unknown> };
}

export interface RecordedCalls {
  run: string;
  versions: RunVersions;
  toolCalls: ToolCall[];
  /** model calls through the proxy: the redacted request's hash and size, never its text */
  modelCalls: {
    id: string;
    provider: string;
    model: string;
    status: string;
    requestHash: string;
    promptChars: number;
    redacted: string[];
    usage: { inputTokens: number; outputTokens: number; costUsd: number };
    error?: { code: string; message: string };
    createdAt: string;
  }[];
}

export interface Prompt {
  name: string;
  version: string;
  template: string;
  labels: string[];
  createdAt: string;
}

export interface EvalReportSummary {
  id: string;
  suite: string;
  passed: boolean;
  reportHash: string;
  uploadedAt: string;
  uploadedBy: string;
}

export interface Release {
  id: string;
  workspace: string;
  workflow: string;
  workflowVersion: string;
  prompts: Record<string, string>;
  model: string | null;
  description: string | null;
  createdAt: string;
  createdBy: string | null;
  active: boolean;
  evalReports: EvalReportSummary[];
}

export interface ReleaseActivation {
  id: string;
  releaseId: string;
  kind: "activate" | "override" | "rollback";
  previousActivationId: string | null;
  evalReportId: string | null;
  overrideReason: string | null;
  activatedAt: string;
  activatedBy: string;
}

export interface ActivationResult {
  activation: ReleaseActivation;
  releaseId: string;
  previousReleaseId: string | null;
}

export interface EvalReportReceipt {
  id: string;
  releaseId: string;
  suite: string;
  passed: boolean;
  reportHash: string;
  /** what the server found wrong when it re-checked the cases against its own record */
  failures: string[];
}

export interface ReplayChange {
  runId: string;
  callId: string;
  tool: string;
  at: string;
  from: { decision: string; rules: string[] };
  to: { decision: string; rules: string[]; reason: string };
  direction: "stricter" | "looser" | "other";
  uncertain: boolean;
}

export interface ReplayResult {
  workflow: string;
  currentVersion: string;
  candidateVersion: string;
  since: string;
  runs: number;
  calls: number;
  unchanged: number;
  skipped: number;
  uncertain: number;
  summary: Record<string, number>;
  changes: ReplayChange[];
}
