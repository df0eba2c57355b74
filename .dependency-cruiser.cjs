/**
 * The layer rules of docs/architecture.md, enforced as errors by `npm run lint`:
 * core is pure, store sits on core, server composes both, sdk and web never reach into the
 * server, the CLI is a thin adapter.
 */
const io =
  "^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|dns|child_process|cluster|worker_threads|readline|repl|vm)$";

module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "packages/core holds the domain: no I/O modules",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: { path: io, dependencyTypes: ["core"] },
    },
    {
      name: "core-imports-no-other-package",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: {
        path: "^packages/(store|server|cli|sdk|web)/|@tollgate/(store|server|cli|sdk|web)|kysely|better-sqlite3|pg|fastify|undici",
      },
    },
    {
      name: "core-avoids-io-libraries",
      severity: "error",
      from: { path: "^packages/core/src" },
      to: { path: "node_modules/(kysely|better-sqlite3|pg|fastify|undici)/" },
    },
    {
      name: "store-below-server",
      severity: "error",
      from: { path: "^packages/store/src" },
      to: { path: "^packages/(server|cli|sdk|web)/" },
    },
    {
      name: "sdk-and-web-never-import-the-server",
      severity: "error",
      from: { path: "^packages/(sdk|web)/src" },
      to: { path: "^packages/(server|store|cli)/" },
    },
    {
      name: "examples-use-the-sdk-not-the-server",
      severity: "error",
      from: { path: "^examples/[^/]+/src" },
      to: { path: "^packages/(server|store|core|cli)/" },
    },
    {
      name: "server-does-not-import-the-cli",
      severity: "error",
      from: { path: "^packages/server/src" },
      to: { path: "^packages/(cli|web)/|^examples/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules)/|\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
