/** An outbound URL as an undici dispatcher takes it. */
export interface RequestTarget {
  origin: string;
  /** the path and query string, without a trailing slash */
  path: string;
}

const targets = new Map<string, RequestTarget>();
// the URLs come from tenants' manifests and model settings: bounded, not kept forever
const maxTargets = 1_000;

/**
 * A URL as origin and path, parsed once per URL: undici, given a URL string, parses it again on
 * every request (connector base URLs, model provider endpoints).
 */
export function requestTarget(url: string): RequestTarget {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname.replace(/\/$/, "")}${parsed.search}` };
    if (targets.size >= maxTargets) targets.clear();
    targets.set(url, target);
  }
  return target;
}
