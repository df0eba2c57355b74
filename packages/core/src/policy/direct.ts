/**
 * Direct evaluation of the simplest conditions, without the CEL evaluator: fields of `args`,
 * `tool`, `run` and `usage` compared with each other or with literals, `has()`, and `!`, `&&`,
 * `||` over those — what most rules are written with. The CEL evaluator spends most of a
 * decision on such conditions (each `args.x` is first looked up as a qualified variable and a
 * protobuf type name, each operator goes through its overload table, each call sets up an
 * activation and an evaluation context); this takes a small fraction of that.
 *
 * It answers only when it is sure of CEL's answer, and otherwise says so (undefined) and the
 * caller asks CEL: a missing field, a value that is not a map where a field is read, an operand
 * that is not a string, bool, int or double, an operand of `&&`/`||`/`!` that is not a bool.
 * So errors, and every case not mirrored here, stay CEL's. Each rule below mirrors
 * @bufbuild/cel's (equals.js, std/logic.js, field.js, the planner's `&&` and `||`);
 * direct.test.ts checks the two agree.
 */
import { type CelInput, isCelMap, type parse } from "@bufbuild/cel";

type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;
type Bindings = Record<string, CelInput>;
/** A CEL value, or undefined when only the CEL evaluator can say. */
type Node = (bindings: Bindings) => unknown;

/** true or false as CEL would answer, or undefined: evaluate the condition with CEL. */
export type DirectCheck = (bindings: Bindings) => boolean | undefined;

/** The variables bound to JSON made into CEL values by `toCel`: maps, lists, scalars, null. */
const jsonVariables = new Set(["args", "tool", "run", "usage"]);

/** A check for a condition made only of the forms above; undefined for any other condition. */
export function compileDirect(expr: Expr): DirectCheck | undefined {
  const node = compileNode(expr);
  if (!node) return undefined;
  return (bindings) => {
    const value = node(bindings);
    return typeof value === "boolean" ? value : undefined;
  };
}

function compileNode(expr: Expr): Node | undefined {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "constExpr": {
      const constant = kind.value.constantKind;
      // As CEL holds them: ints as bigint, doubles as number.
      if (
        constant.case === "stringValue" ||
        constant.case === "boolValue" ||
        constant.case === "int64Value" ||
        constant.case === "doubleValue"
      ) {
        const value = constant.value;
        return () => value;
      }
      return undefined;
    }
    case "identExpr": {
      const name = kind.value.name;
      return jsonVariables.has(name) ? (bindings) => bindings[name] : undefined;
    }
    case "selectExpr":
      return compileSelect(kind.value.operand, kind.value.field, kind.value.testOnly);
    case "callExpr": {
      if (kind.value.target) return undefined;
      const operands: Node[] = [];
      for (const arg of kind.value.args) {
        const node = compileNode(arg);
        if (!node) return undefined;
        operands.push(node);
      }
      return compileOperator(kind.value.function, operands);
    }
    default:
      return undefined;
  }
}

/**
 * `a.b.c` and `has(a.b.c)` where `a` is a JSON variable. CEL first tries `a.b` as a qualified
 * variable name or a protobuf type or enum; no such name is ever bound (the bindings are the five
 * bare variables, the registry holds only google.protobuf types), so it comes down to map lookups.
 */
function compileSelect(operandExpr: Expr | undefined, field: string, testOnly: boolean): Node | undefined {
  if (!operandExpr || !isPath(operandExpr)) return undefined;
  const operand = compileNode(operandExpr);
  if (!operand) return undefined;
  if (testOnly) {
    return (bindings) => {
      const map = operand(bindings);
      return isCelMap(map) ? map.has(field) : undefined;
    };
  }
  // A missing key comes back undefined: CEL's "no such key" error.
  return (bindings) => {
    const map = operand(bindings);
    return isCelMap(map) ? map.get(field) : undefined;
  };
}

function isPath(expr: Expr): boolean {
  const kind = expr.exprKind;
  if (kind.case === "identExpr") return true;
  return (
    kind.case === "selectExpr" && !kind.value.testOnly && kind.value.operand !== undefined && isPath(kind.value.operand)
  );
}

function compileOperator(name: string, operands: Node[]): Node | undefined {
  if (name === "_&&_") {
    // CEL: false as soon as an operand is false, true when all are true.
    return (bindings) => {
      for (const operand of operands) {
        const value = operand(bindings);
        if (value === false) return false;
        if (value !== true) return undefined;
      }
      return true;
    };
  }
  if (name === "_||_") {
    return (bindings) => {
      for (const operand of operands) {
        const value = operand(bindings);
        if (value === true) return true;
        if (value !== false) return undefined;
      }
      return false;
    };
  }
  const [left, right] = operands;
  if (name === "!_" && left && operands.length === 1) {
    return (bindings) => {
      const value = left(bindings);
      return typeof value === "boolean" ? !value : undefined;
    };
  }
  if (!left || !right || operands.length !== 2) return undefined;
  switch (name) {
    case "_==_":
      return (bindings) => equal(left(bindings), right(bindings));
    case "_!=_":
      return (bindings) => {
        const same = equal(left(bindings), right(bindings));
        return same === undefined ? undefined : !same;
      };
    case "_<_":
      return ordering(left, right, (l, r) => l < r);
    case "_<=_":
      return ordering(left, right, (l, r) => l <= r);
    case "_>_":
      return ordering(left, right, (l, r) => l > r);
    case "_>=_":
      return ordering(left, right, (l, r) => l >= r);
    default:
      return undefined;
  }
}

const isNumber = (v: unknown): v is number | bigint => typeof v === "number" || typeof v === "bigint";
const isScalar = (v: unknown): v is string | boolean | number | bigint =>
  typeof v === "string" || typeof v === "boolean" || isNumber(v);

/** CEL's equals on scalars: ints and doubles compare by value across the two, others only within their type. */
function equal(l: unknown, r: unknown): boolean | undefined {
  // biome-ignore lint/suspicious/noDoubleEquals: JS compares bigint with number exactly, as CEL's equals does
  if (isNumber(l) && isNumber(r)) return l == r;
  if (isScalar(l) && isScalar(r)) return l === r;
  return undefined;
}

/**
 * CEL's ordering overloads on scalars: an int against a double compares as two doubles, two
 * operands of one type with JavaScript's operator (strings by UTF-16 code units, as
 * @bufbuild/cel does). Other pairs have no overload (an error) or are not mirrored here.
 */
function ordering(left: Node, right: Node, compare: (l: number, r: number) => boolean): Node {
  return (bindings) => {
    const l = left(bindings);
    const r = right(bindings);
    if (typeof l === "bigint" && typeof r === "number") return compare(Number(l), r);
    if (typeof l === "number" && typeof r === "bigint") return compare(l, Number(r));
    // The casts only quiet TypeScript, which has no type for "two values of one primitive type".
    if (typeof l === typeof r && isScalar(l)) return compare(l as number, r as number);
    return undefined;
  };
}
