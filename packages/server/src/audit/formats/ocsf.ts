import { type Classified, classify, type ExportEvent, product, summaryOf } from "./classify.js";

/** OCSF 1.3.0, API Activity (class 6003, category 6 Application Activity). */
export const ocsfVersion = "1.3.0";
const classUid = 6003;
const categoryUid = 6;

const activities = {
  create: [1, "Create"],
  read: [2, "Read"],
  update: [3, "Update"],
  delete: [4, "Delete"],
  other: [99, "Other"],
} as const;
const severities = { info: [1, "Informational"], low: [2, "Low"], medium: [3, "Medium"], high: [4, "High"] } as const;
const statuses = { success: [1, "Success"], failure: [2, "Failure"], unknown: [0, "Unknown"] } as const;

function activityOf(type: string, c: Classified): (typeof activities)[keyof typeof activities] {
  if (type.startsWith("tool_call.")) {
    if (c.actionClass === "READ") return activities.read;
    if (c.actionClass === "WRITE") return activities.update;
    if (c.actionClass === "DELETE") return activities.delete;
    return activities.other;
  }
  if (/\.(created|started|requested)$/.test(type)) return activities.create;
  if (/\.(set|updated|accepted|pinned|decided|finished|stopped)$/.test(type)) return activities.update;
  if (/\.(deleted|removed|revoked)$/.test(type)) return activities.delete;
  return activities.other;
}

/** Maps one audit event to an OCSF API Activity event. */
export function ocsfEvent(x: ExportEvent): Record<string, unknown> {
  const e = x.event;
  const c = classify(e);
  const [activityId, activityName] = activityOf(e.type, c);
  const [severityId, severity] = severities[c.severity];
  const [statusId, status] = statuses[c.outcome];
  const resources = [
    ...(e.call ? [{ uid: e.call, type: "tool_call", name: c.operation }] : []),
    ...(e.run ? [{ uid: e.run, type: "run" }] : []),
    ...(e.workspace ? [{ uid: e.workspace, type: "workspace" }] : []),
  ];
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: categoryUid,
    category_name: "Application Activity",
    class_uid: classUid,
    class_name: "API Activity",
    type_uid: classUid * 100 + activityId,
    type_name: `API Activity: ${activityName}`,
    time: Date.parse(e.ts),
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    ...(c.reason ? { status_detail: c.reason } : {}),
    message: summaryOf(e, c),
    metadata: {
      uid: e.id,
      version: ocsfVersion,
      product: { name: product.name, vendor_name: product.vendor, version: product.version },
      tenant_uid: x.tenant,
      event_code: e.type,
      sequence: e.seq,
      original_time: e.ts,
      log_name: "audit",
      ...(e.run ? { correlation_uid: e.run } : {}),
    },
    actor: {
      user: { uid: e.actor ?? "tollgate", type: e.actor ? "Other" : "System" },
      app_name: product.name,
    },
    api: {
      operation: c.operation,
      service: { name: c.system ?? "tollgate" },
      ...(e.call ? { request: { uid: e.call } } : {}),
    },
    resources,
    src_endpoint: { svc_name: product.name.toLowerCase(), ...(e.workspace ? { uid: e.workspace } : {}) },
    unmapped: {
      run_id: e.run,
      trace_id: x.traceId,
      call_id: e.call,
      workspace: e.workspace,
      ...(c.decision ? { decision: c.decision } : {}),
      ...(c.actionClass ? { action_class: c.actionClass } : {}),
      data: e.data,
      hash: e.hash,
    },
  };
}
