/**
 * OAuth scope rules (pure). A connection asks for the scopes the workspace's workflows list for
 * the systems that use it, and nothing more; blanket scopes need an admin's accepted reason; a
 * provider granting more than was asked is flagged.
 */

/** `*`, `all`, `admin`, and wildcards such as `repo:*` or `chat.*` grant everything of something. */
const blanketPattern = /^(?:\*|all|admin|root|full_access|.*[:.]\*)$/i;

export const isBlanketScope = (scope: string): boolean => blanketPattern.test(scope.trim());

/** The scopes a connection needs: every system whose connector uses it, across workflows. */
export function scopesNeeded(
  manifests: readonly { systems: Record<string, { connector: unknown; scopes?: string[] | undefined }> }[],
  connection: string,
): { scopes: string[]; systems: string[] } {
  const scopes = new Set<string>();
  const systems = new Set<string>();
  for (const m of manifests) {
    for (const [name, system] of Object.entries(m.systems)) {
      const auth = (system.connector as { auth?: { type?: string; connection?: string } }).auth;
      if (auth?.type !== "oauth2" || auth.connection !== connection) continue;
      systems.add(name);
      for (const s of system.scopes ?? []) scopes.add(s);
    }
  }
  return { scopes: [...scopes].sort(), systems: [...systems].sort() };
}

/** A space-separated scope string (RFC 6749 §3.3) as a sorted set. */
export const parseScopeString = (scope: string | undefined | null): string[] =>
  [...new Set((scope ?? "").split(/\s+/).filter((s) => s.length > 0))].sort();

/** Granted scopes that were not asked for. */
export const widerScopes = (asked: readonly string[], granted: readonly string[]): string[] =>
  granted.filter((s) => !asked.includes(s));
