/**
 * Rule `match` patterns: globs over the canonical action id `system.action`.
 * `*` stands for any run of characters (dots included), so "*", "tracker.*" and "*.delete_*" all work.
 * Patterns are compiled once into the cheapest test that fits them.
 */

export const matchPattern = /^[a-z0-9_.*]+$/;

export type MatchTest = (id: string) => boolean;

const always: MatchTest = () => true;

export function compileMatch(pattern: string): MatchTest {
  if (pattern === "*") return always;
  const star = pattern.indexOf("*");
  if (star === -1) return (id) => id === pattern;
  // "system.*": a prefix test is enough, no regex needed.
  if (star === pattern.length - 1 && pattern.endsWith(".*")) {
    const prefix = pattern.slice(0, -1);
    return (id) => id.startsWith(prefix);
  }
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.]/g, "\\."))
    .join(".*");
  const re = new RegExp(`^${source}$`);
  return (id) => re.test(id);
}

/** The system a pattern names literally ("tracker" for "tracker.*"), or undefined when it is wild there. */
export function literalSystem(pattern: string): string | undefined {
  const dot = pattern.indexOf(".");
  const head = dot === -1 ? pattern : pattern.slice(0, dot);
  return head.includes("*") ? undefined : head;
}
