/** The readiness report: the questions a buyer's security team asks, answered per workflow. */
export type CheckStatus = "pass" | "warn" | "fail";

export interface ReadinessCheck {
  /** stable id: boundary, risky-actions, approvers, credentials, limits, data, audit-chain, audit-export, approval-notifications */
  id: string;
  /** the question the check answers */
  question: string;
  status: CheckStatus;
  /** one sentence each, naming the action, system, secret or sink concerned */
  findings: string[];
}

export interface WorkflowReadiness {
  workflow: string;
  version: string;
  status: CheckStatus;
  checks: ReadinessCheck[];
}

export interface ReadinessReport {
  workspace: string;
  generatedAt: string;
  /** the worst status of any check */
  status: CheckStatus;
  workflows: WorkflowReadiness[];
  /** the workspace's audit record: intact, exported, approvers told */
  record: ReadinessCheck[];
}
