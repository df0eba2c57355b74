import { newId } from "@tollgate/core";
import type { TenantScope } from "@tollgate/store";

export type ApprovalEvent = "approval.requested" | "approval.escalated";

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
      approvalId,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
  return channels.length;
}
