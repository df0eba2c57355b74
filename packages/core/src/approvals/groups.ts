/**
 * The groups an approval can be addressed to whose members are keys: a key of that role may
 * decide. Any other group is a label that routes notifications to the channels serving it.
 */
export const deciderRoleGroups: readonly string[] = ["role:admin", "role:approver"];

/**
 * Which keys may decide an approval addressed to `groups`: the decider role groups among them, or
 * none, meaning any approver or admin key (an approval addressed to labels only).
 */
export function deciderGroupsOf(groups: readonly string[]): string[] {
  return groups.filter((g) => deciderRoleGroups.includes(g));
}
