import { errorCodes, TollgateError } from "@tollgate/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/**
 * The one place errors become HTTP: RFC 9457 problem+json with a stable `code`. Unknown errors
 * are logged and answered as 500 without their message (it may hold internals).
 */
export function problemHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const te = toTollgateError(error);
  if (te.code === "internal") request.log.error({ err: error }, "unexpected error");
  const status = errorCodes[te.code];
  if (te.code === "rate_limited" && typeof te.extra.retryAfterSeconds === "number")
    reply.header("retry-after", String(te.extra.retryAfterSeconds));
  if (te.code === "unauthorized") reply.header("www-authenticate", 'Bearer realm="tollgate"');
  reply
    .status(status)
    .type("application/problem+json")
    .send({
      type: `https://tollgate.dev/problems/${te.code}`,
      title: titleOf(te.code),
      status,
      code: te.code,
      detail: te.message,
      instance: request.url.split("?")[0],
      ...te.extra,
    });
}

function toTollgateError(error: FastifyError | Error): TollgateError {
  if (error instanceof TollgateError) return error;
  const fe = error as FastifyError;
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return new TollgateError("payload_too_large", "the request body is too large");
  if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new TollgateError("invalid_request", `unsupported content type: ${fe.message}`);
  if (fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return new TollgateError("invalid_request", "the JSON body is empty");
  if (fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError || fe.statusCode === 400) {
    return new TollgateError("invalid_request", `the body is not valid JSON: ${error.message}`);
  }
  if (fe.statusCode === 404) return new TollgateError("not_found", error.message);
  if (fe.statusCode === 413) return new TollgateError("payload_too_large", "the request body is too large");
  if (fe.statusCode === 415) return new TollgateError("invalid_request", error.message);
  return new TollgateError("internal", "internal error");
}

function titleOf(code: string): string {
  return code.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}
