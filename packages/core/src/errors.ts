/**
 * The one error family of Tollgate. Every failure a caller can see carries a stable `code`;
 * the HTTP layer maps codes to statuses in one place (packages/server/src/http/problem.ts).
 */
export const errorCodes = {
  outside_boundary: 403,
  blocked: 403,
  loop_detected: 403,
  tool_changed: 403,
  budget_exceeded: 429,
  rate_limited: 429,
  approvals_flooded: 429,
  invalid_arguments: 422,
  invalid_manifest: 422,
  invalid_request: 400,
  payload_too_large: 413,
  upstream_failed: 502,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  run_not_running: 409,
  audit_unavailable: 503,
  credentials_unavailable: 424,
  oauth_failed: 502,
  outbound_refused: 422,
  scope_rejected: 422,
  circuit_open: 503,
  too_busy: 429,
  model_not_allowed: 403,
  release_not_evaluated: 409,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorItem {
  path: string;
  message: string;
  line?: number;
}

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "TollgateError";
    this.code = code;
    this.extra = extra;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export function isTollgateError(e: unknown): e is TollgateError {
  return e instanceof TollgateError;
}
