import { TollgateError } from "../errors.js";

/** Every detector the engine knows. "secrets" and "pii" are selectors for whole families. */
export type DetectorKind =
  | "secrets"
  | "secrets.aws"
  | "secrets.github"
  | "secrets.slack"
  | "secrets.openai"
  | "secrets.private_key"
  | "secrets.jwt"
  | "secrets.bearer"
  | "secrets.connection_string"
  | "secrets.generic"
  | "pii.email"
  | "pii.phone"
  | "pii.card"
  | "pii.iban"
  | "pii.ssn"
  | "pii.ip";

/** A concrete detector (a DetectorKind minus the family selector). */
export type ConcreteKind = Exclude<DetectorKind, "secrets">;

/** What a RedactionResult may report in `found`. */
export type FoundKind = ConcreteKind | "secrets.known" | "field.mask" | "field.hash" | "field.drop";

export const detectorKinds: readonly string[] = Object.freeze([
  "secrets",
  "secrets.aws",
  "secrets.github",
  "secrets.slack",
  "secrets.openai",
  "secrets.private_key",
  "secrets.jwt",
  "secrets.bearer",
  "secrets.connection_string",
  "secrets.generic",
  "pii.email",
  "pii.phone",
  "pii.card",
  "pii.iban",
  "pii.ssn",
  "pii.ip",
] satisfies DetectorKind[]);

const concrete = detectorKinds.filter((k) => k.includes(".")) as ConcreteKind[];

/**
 * Expands a selection ("secrets", "pii", "pii.email", ...) to concrete kinds. Secrets are always
 * on whatever the selection says: a manifest cannot switch off credential redaction. An unknown
 * name is a configuration error, not something to ignore silently (it may be a typo of a kind
 * the author believed active).
 */
export function resolveKinds(selection: readonly string[] | undefined): Set<ConcreteKind> {
  const out = new Set<ConcreteKind>(concrete.filter((k) => k.startsWith("secrets.")));
  for (const name of selection ?? []) {
    if (name === "secrets") continue;
    if (name === "pii") {
      for (const k of concrete) if (k.startsWith("pii.")) out.add(k);
      continue;
    }
    if (!(concrete as string[]).includes(name)) {
      throw new TollgateError("invalid_manifest", `unknown redaction kind "${name}"`, {
        errors: [
          { path: "data.redact", message: `unknown redaction kind "${name}"; known: ${detectorKinds.join(", ")}, pii` },
        ],
      });
    }
    out.add(name as ConcreteKind);
  }
  return out;
}
