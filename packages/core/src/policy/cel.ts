/**
 * CEL for rule `when` conditions (DESIGN §2): one shared environment, a parse step that also
 * rejects unknown variables and functions (a typo would otherwise only show up as a runtime
 * error), and the conversion of JSON values into CEL values.
 */
import { type CelEnv, type CelInput, type CelResult, celEnv, celList, celMap, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { compileDirect, type DirectCheck } from "./direct.js";

type ParsedExpr = ReturnType<typeof parse>;
type Expr = ParsedExpr["expr"];

/** The variables a condition may use. */
export const whenVariables = ["args", "tool", "run", "usage", "now"] as const;

// Type names are identifiers in CEL (`type(x) == int`); `google` starts qualified type names.
const typeIdents = ["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn"];
const knownIdents = new Set<string>([...whenVariables, ...typeIdents, "google"]);

const env: CelEnv = celEnv({ funcs: strings });

export type WhenFn = (bindings: Record<string, CelInput>) => CelResult;

/** Parses and checks a condition; returns the problem as a sentence, or the parsed expression. */
export function parseWhen(source: string): { ok: true; expr: ParsedExpr } | { ok: false; message: string } {
  let expr: ParsedExpr;
  try {
    expr = parse(source);
  } catch (e) {
    return { ok: false, message: `invalid CEL: ${(e as Error).message}` };
  }
  const problem = checkNames(expr.expr);
  return problem ? { ok: false, message: problem } : { ok: true, expr };
}

export interface CompiledWhen {
  evaluate: WhenFn;
  /** a simple condition evaluated without CEL's evaluator when it is sure of the answer (direct.ts) */
  direct?: DirectCheck;
}

/** Plans a condition once; the result is called per decision. Throws on an invalid condition. */
export function compileWhen(source: string): CompiledWhen {
  const parsed = parseWhen(source);
  if (!parsed.ok) throw new Error(parsed.message);
  const compiled: CompiledWhen = { evaluate: plan(env, parsed.expr) as WhenFn };
  const direct = parsed.expr.expr && compileDirect(parsed.expr.expr);
  if (direct) compiled.direct = direct;
  return compiled;
}

function checkNames(root: Expr): string | undefined {
  const bound = new Set<string>();
  const idents: string[] = [];
  const funcs: string[] = [];
  walk(root, (e) => {
    const k = e.exprKind;
    if (k.case === "identExpr") idents.push(k.value.name);
    else if (k.case === "callExpr") funcs.push(k.value.function);
    else if (k.case === "comprehensionExpr") {
      bound.add(k.value.iterVar);
      if (k.value.iterVar2) bound.add(k.value.iterVar2);
      bound.add(k.value.accuVar);
    }
  });
  for (const name of idents) {
    if (!knownIdents.has(name) && !bound.has(name)) {
      return `unknown variable "${name}" in condition; use ${whenVariables.join(", ")}`;
    }
  }
  for (const name of funcs) {
    // Operators (`_&&_`) and internal helpers (`@in`) are not user-visible function names.
    if (name.startsWith("_") || name.startsWith("@")) continue;
    if (!env.funcs.find(name)) return `unknown function "${name}" in condition`;
  }
  return undefined;
}

function walk(e: Expr | undefined, visit: (e: Expr) => void): void {
  if (!e) return;
  visit(e);
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      walk(k.value.operand, visit);
      break;
    case "callExpr":
      walk(k.value.target, visit);
      for (const a of k.value.args) walk(a, visit);
      break;
    case "listExpr":
      for (const a of k.value.elements) walk(a, visit);
      break;
    case "structExpr":
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value, visit);
        walk(entry.value, visit);
      }
      break;
    case "comprehensionExpr":
      walk(k.value.iterRange, visit);
      walk(k.value.accuInit, visit);
      walk(k.value.loopCondition, visit);
      walk(k.value.loopStep, visit);
      walk(k.value.result, visit);
      break;
    default:
      break;
  }
}

/**
 * JSON value -> CEL value. CEL keeps int and double apart and has no mixed arithmetic, so whole
 * numbers become ints (`args.count + 1 > 3` works) and the rest stay doubles; comparisons across
 * the two work either way. Objects become CEL maps so a caller's `$typeName` key cannot pose as
 * a protobuf message; building CEL maps and lists up front also spares the evaluator re-wrapping
 * them on every access of every rule.
 */
export function toCel(value: unknown): CelInput {
  switch (typeof value) {
    case "number":
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return celList(value.map(toCel));
      if (value instanceof Date) return timestamp(value);
      const map = new Map<string, CelInput>();
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined) map.set(key, toCel(v));
      }
      return celMap(map);
    }
    default:
      return null;
  }
}

/** A google.protobuf.Timestamp message, built without a runtime dependency on @bufbuild/protobuf. */
export function timestamp(date: Date): CelInput {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return {
    $typeName: "google.protobuf.Timestamp",
    seconds: BigInt(seconds),
    nanos: (ms - seconds * 1000) * 1_000_000,
  } as unknown as CelInput;
}
