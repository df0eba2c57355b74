import { newId } from "@tollgate/core";
import type { NotificationChannelRecord, TenantScope } from "@tollgate/store";

export type ApprovalEvent = "approval.requested" | "approval.escalated";
export const alertEvent = "alert.raised";

/** What a delivery is about, as the API and the audit log name it. */
export function subjectOf(d: { event: string; subjectId: string }): { alertId: string } | { approvalId: string } {
  return d.event === alertEvent ? { alertId: d.subjectId } : { approvalId: d.subjectId };
}

/**
 * Queues one delivery per channel that serves the addressed approver group (a channel without
 * `groups` serves every group). Runs inside the caller's transaction, so the approval and its
 * notifications are written together or not at all.
 */
export async function enqueueNotifications(
  s: TenantScope,
  workspaceId: string,
  approvalId: string,
  event: ApprovalEvent,
  groups: readonly string[],
  now: string,
): Promise<number> {
  const channels = (await s.notifications.channels(workspaceId)).filter((c) => {
    const served = c.config.groups as string[] | undefined;
    return !served || served.some((g) => groups.includes(g));
  });
  await s.notifications.enqueue(
    channels.map((c) => ({
      id: newId("ntf"),
      workspaceId,
      channel: c.name,
      event,
      subjectId: approvalId,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
  return channels.length;
}

/** The channels an alert goes to: its workspace's signed webhooks. */
export async function alertChannels(s: TenantScope, workspaceId: string): Promise<NotificationChannelRecord[]> {
  return (await s.notifications.channels(workspaceId)).filter((c) => c.kind === "webhook");
}

/**
 * Queues one delivery of an alert per channel, inside the transaction that stores the alert: both
 * are written or neither. Returns the deliveries' ids.
 */
export async function enqueueAlert(
  s: TenantScope,
  channels: readonly NotificationChannelRecord[],
  workspaceId: string,
  alertId: string,
  now: string,
): Promise<string[]> {
  const rows = channels.map((c) => ({
    id: newId("ntf"),
    workspaceId,
    channel: c.name,
    event: alertEvent,
    subjectId: alertId,
    nextAttemptAt: now,
    createdAt: now,
  }));
  await s.notifications.enqueue(rows);
  return rows.map((r) => r.id);
}
