import { TollgateError } from "../errors.js";

export type FieldAction = "mask" | "hash" | "drop";

/** A trie of field-rule paths; "*" matches any key or array index. */
export interface FieldNode {
  children: Map<string, FieldNode>;
  any: FieldNode | undefined;
  action: FieldAction | undefined;
}

// When several rules hit one field the one that reveals least wins: a drop hides even presence,
// a mask hides the value, a hash still lets equal values be matched.
const strength: Record<FieldAction, number> = { hash: 1, mask: 2, drop: 3 };

function node(): FieldNode {
  return { children: new Map(), any: undefined, action: undefined };
}

function stronger(a: FieldAction | undefined, b: FieldAction | undefined): FieldAction | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return strength[a] >= strength[b] ? a : b;
}

export function compileFields(fields: Record<string, FieldAction> | undefined): FieldNode | undefined {
  if (!fields) return undefined;
  const root = node();
  let any = false;
  for (const [path, action] of Object.entries(fields)) {
    if (!(action in strength)) {
      throw new TollgateError("invalid_manifest", `unknown field rule "${String(action)}" for "${path}"`, {
        errors: [{ path: `fields.${path}`, message: "expected mask, hash or drop" }],
      });
    }
    const segments = path.split(".");
    if (path === "" || segments.some((s) => s === "")) {
      throw new TollgateError("invalid_manifest", `invalid field path "${path}"`, {
        errors: [{ path: `fields.${path}`, message: "expected dot-separated names, e.g. args.password" }],
      });
    }
    let n = root;
    for (const seg of segments) {
      let c = seg === "*" ? n.any : n.children.get(seg);
      if (!c) {
        c = node();
        if (seg === "*") n.any = c;
        else n.children.set(seg, c);
      }
      n = c;
    }
    n.action = stronger(n.action, action);
    any = true;
  }
  return any ? root : undefined;
}

/** The trie positions reached from `nodes` by one key. Empty means no rule can apply below. */
export function step(nodes: readonly FieldNode[], key: string): FieldNode[] {
  const out: FieldNode[] = [];
  for (const n of nodes) {
    const c = n.children.get(key);
    if (c) out.push(c);
    if (n.any) out.push(n.any);
  }
  return out;
}

/** The action that applies at these positions (the strongest), if any. */
export function actionAt(nodes: readonly FieldNode[]): FieldAction | undefined {
  let a: FieldAction | undefined;
  for (const n of nodes) a = stronger(a, n.action);
  return a;
}

/** Positions for a value given with a root prefix ("args", "result", or dotted "result.body"). */
export function startAt(root: FieldNode | undefined, prefix: string | undefined): FieldNode[] {
  if (!root) return [];
  let nodes: FieldNode[] = [root];
  if (prefix) for (const seg of prefix.split(".")) nodes = step(nodes, seg);
  return nodes;
}
