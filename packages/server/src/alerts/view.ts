import type { AlertRecord } from "@tollgate/store";

/** An alert as the API lists it and as its webhook delivery carries it. */
export function alertView(a: AlertRecord) {
  return {
    id: a.id,
    workspace: a.workspaceId,
    kind: a.kind,
    severity: a.severity,
    runId: a.runId,
    message: a.message,
    data: a.data,
    createdAt: a.createdAt,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: a.acknowledgedAt,
    delivery: a.delivery,
    deliveryError: a.deliveryError,
  };
}
