/** Data handling (issue 10): retention windows, purge reports, legal holds, tenant deletion. */
export interface RetentionWindows {
  runs: string;
  payloads: string;
  audit: string;
}

export interface RetentionView {
  workspace: string;
  defaults: RetentionWindows;
  /** what the workspace set (null: the default) */
  settings: { runs: string | null; payloads: string | null; audit: string | null };
  effective: RetentionWindows;
  /** per workflow: its own `data.retention` over the workspace's windows */
  workflows: { workflow: string; windows: RetentionWindows }[];
  updatedAt: string | null;
  updatedBy: string | null;
  legalHolds: LegalHold[];
}

export interface PurgeReport {
  dryRun: boolean;
  at: string;
  workspaces: {
    workspace: string;
    held: boolean;
    heldRuns: number;
    workflows: {
      workflow: string;
      windows: RetentionWindows;
      payloads: { runs: number; before: string };
      runs: { runs: number; before: string };
    }[];
  }[];
  audit: { through: number | null; events: number; byWorkspace: Record<string, number> };
}

export interface LegalHold {
  id: string;
  workspaceId: string;
  runId: string | null;
  reason: string;
  createdBy: string;
  createdAt: string;
  releasedBy: string | null;
  releasedAt: string | null;
}

export interface TenantDeletion {
  tenant: string;
  /** rows deleted per table */
  deleted: Record<string, number>;
}
