import { timingSafeEqual } from "node:crypto";
import { TollgateError } from "@tollgate/core";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../services.js";

/**
 * `GET /metrics` for Prometheus. Open by default, as is usual for a scrape endpoint on a private
 * address; with a metrics token set (TOLLGATE_METRICS_TOKEN) it wants `Authorization: Bearer <token>`.
 * It shows counts and names of tenants, workspaces and sinks, never payloads or secrets.
 */
export function metricsRoutes(app: FastifyInstance, s: Services, token: string | undefined): void {
  app.get("/metrics", async (req, reply) => {
    if (token) {
      const given = Buffer.from(String(req.headers.authorization ?? ""));
      const wanted = Buffer.from(`Bearer ${token}`);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
        throw new TollgateError(
          "unauthorized",
          "GET /metrics needs the metrics token: Authorization: Bearer <TOLLGATE_METRICS_TOKEN>",
        );
    }
    reply.type(s.telemetry.metrics.registry.contentType);
    return s.telemetry.metrics.registry.metrics();
  });
}
