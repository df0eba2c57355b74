/**
 * Whose authority a run uses. A run acts as the workflow's service account or as one user; the
 * stored form is one string (`service`, `service:<id>`, `user:<id>`) so older runs, which stored
 * `service` or a bare user name, still read the same.
 */
export interface ActingAs {
  kind: "user" | "service";
  id: string;
}

export const defaultServiceId = "service";
const idPattern = /^[A-Za-z0-9][A-Za-z0-9@._+-]{0,199}$/;

/** Accepts `{kind, id}`, `"service"`, `"user:alice"`, `"service:bot"` or (legacy) a bare user id. */
export function parseActingAs(input: unknown): ActingAs {
  if (input && typeof input === "object") {
    const { kind, id } = input as { kind?: unknown; id?: unknown };
    if (kind !== "user" && kind !== "service") throw new Error('actingAs.kind must be "user" or "service"');
    if (kind === "service" && (id === undefined || id === null)) return { kind, id: defaultServiceId };
    if (typeof id !== "string" || !idPattern.test(id))
      throw new Error("actingAs.id must be 1-200 letters, digits or @._+- (starting with a letter or digit)");
    return { kind, id };
  }
  if (typeof input !== "string" || input.length === 0) throw new Error("actingAs must be {kind, id} or a string");
  if (input === defaultServiceId) return { kind: "service", id: defaultServiceId };
  const m = /^(user|service):(.+)$/.exec(input);
  return parseActingAs(m ? { kind: m[1], id: m[2] } : { kind: "user", id: input });
}

export function formatActingAs(a: ActingAs): string {
  return a.kind === "service" && a.id === defaultServiceId ? defaultServiceId : `${a.kind}:${a.id}`;
}

/** The stored string read back; null for runs that recorded nothing. */
export const readActingAs = (stored: string | null | undefined): ActingAs | null => {
  if (!stored) return null;
  try {
    return parseActingAs(stored);
  } catch {
    return { kind: "user", id: stored };
  }
};
