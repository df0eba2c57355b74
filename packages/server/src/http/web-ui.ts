import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** packages/web/dist, from this file in packages/server/src/http or packages/server/dist/http */
export const defaultWebRoot = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/** The pages of the web UI (packages/web/src/App.tsx keeps the same list): each answers index.html. */
const pages = [
  "/",
  "/sign-in",
  "/approvals",
  "/runs",
  "/runs/:id",
  "/workflows",
  "/workflows/:name",
  "/usage",
  "/alerts",
  "/connectors",
  "/audit",
  "/retention",
  "/readiness",
];

// The UI's own files only: scripts and styles from this origin, no inline code, API calls to this origin.
const uiHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * The web UI (packages/web, built by `npm run build`) at `/`: its assets under /assets/, and
 * index.html for each page so a reload or a shared link opens the page. The UI holds no data of
 * its own; it calls the API with the key a person signs in with.
 */
export function webUiRoutes(app: FastifyInstance, root: string = defaultWebRoot): void {
  if (!existsSync(`${root}/index.html`)) {
    for (const page of pages)
      app.get(page, async (_req, reply) =>
        reply
          .headers(uiHeaders)
          .status(503)
          .type("text/plain; charset=utf-8")
          .send("The web UI is not built here: run `npm run build`. The API is at /v1."),
      );
    return;
  }
  app.register(fastifyStatic, {
    root: `${root}/assets`,
    prefix: "/assets/",
    // the built files' names carry their content hash: a year is safe
    maxAge: "365d",
    immutable: true,
    setHeaders: (res) => res.headers(uiHeaders),
  });
  for (const page of pages)
    app.get(page, async (_req, reply) =>
      // the page names the current build's assets: always ask again
      reply
        .headers(uiHeaders)
        .header("cache-control", "no-cache")
        .sendFile("index.html", root, { cacheControl: false }),
    );
}
