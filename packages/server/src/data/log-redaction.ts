import type { Redactor } from "@tollgate/core";

/**
 * Server logs go through the same redaction engine as stored data: every line pino writes is
 * parsed, redacted (secret detectors, PII kinds, every stored secret value the process has
 * loaded) and written again. Request URLs lose their query string (approval links carry signed
 * claims there). A line that is not JSON is redacted as text.
 */
export function redactingLogger(logger: boolean | object, redactor: () => Redactor): boolean | object {
  if (logger === false) return false;
  const base = logger === true ? {} : (logger as Record<string, unknown>);
  const serializers = (base.serializers ?? {}) as Record<string, (v: unknown) => unknown>;
  return {
    ...base,
    serializers: {
      ...serializers,
      req: (req: { method?: string; url?: string; ip?: string }) => ({
        method: req.method,
        url: String(req.url ?? "").split("?")[0],
        remoteAddress: req.ip,
      }),
    },
    hooks: {
      ...(base.hooks as object),
      streamWrite: (line: string) => redactLine(line, redactor()),
    },
  };
}

export function redactLine(line: string, r: Redactor): string {
  try {
    return `${JSON.stringify(r.value(JSON.parse(line)).value)}\n`;
  } catch {
    return r.text(line).value;
  }
}
