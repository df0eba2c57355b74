import { canonicalJson, sha256Hex } from "../canonical.js";

/** A prompt's version: the hash of its template, so the same text is the same version everywhere. */
export function promptVersion(template: string): string {
  return `sha256:${sha256Hex(canonicalJson({ template }))}`;
}
