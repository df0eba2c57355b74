import type { CompiledAction } from "@tollgate/core";

export interface ConnectorRequest {
  action: CompiledAction;
  args: Record<string, unknown>;
  /** Authorization header value from the vault, if the connector uses one. */
  authorization?: string;
  traceparent?: string;
  idempotencyKey?: string;
  /** whose call it is: connectors that keep per-tenant state (MCP connections) need it */
  scope?: { tenantId: string; workspaceId: string };
}

export interface ConnectorResult {
  status: number;
  body: unknown;
}

/**
 * How a failed attempt relates to the upstream: `not_sent` when the request provably never
 * reached it (connection refused, DNS), `maybe_sent` when it may have been received
 * (a timeout or reset after sending). Writes are never retried blindly after `maybe_sent`.
 */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly delivery: "not_sent" | "maybe_sent" | "answered",
    readonly upstreamStatus?: number,
    readonly retryAfterMs?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

export interface Connector {
  call(req: ConnectorRequest): Promise<ConnectorResult>;
}
