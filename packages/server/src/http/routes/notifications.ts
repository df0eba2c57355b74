import type { FastifyInstance } from "fastify";
import { notificationConfigSchema } from "../../notifications/config.js";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

/** A workspace's approval notification channels (signed webhook, chat incoming webhook) and their deliveries. */
export function notificationRoutes(app: FastifyInstance, s: Services): void {
  app.put<{ Params: { ws: string } }>("/v1/workspaces/:ws/notifications", async (req) =>
    s.notifications.put(req.principal, req.params.ws, parseInput(notificationConfigSchema, req.body)),
  );
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/notifications", async (req) =>
    s.notifications.get(req.principal, req.params.ws),
  );
}
