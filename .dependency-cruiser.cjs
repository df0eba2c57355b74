/**
 * The layer rules of docs/architecture.md, enforced as errors by `npm run lint`:
 * core is pure, store sits on core, server composes both, sdk and web never reach into the
 * server, the CLI is a thin adapter.
 */
/** A package reached by relative path or through its @tollgate/ name. */
const pkg = (names) => `^packages/(${names})/|@tollgate/(${names})(/|$)`;
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
      to: { path: pkg("server|cli|sdk|web") },
    },
    {
      name: "sdk-and-web-never-import-the-server",
      severity: "error",
      from: { path: "^packages/(sdk|web)/src" },
      to: { path: pkg("server|store|cli|core") },
    },
    {
      name: "examples-use-the-sdk-not-the-server",
      severity: "error",
      from: { path: "^examples/[^/]+/src" },
      to: { path: pkg("server|store|core|cli") },
    },
    {
      name: "server-does-not-import-the-cli",
      severity: "error",
      from: { path: "^packages/server/src" },
      to: { path: `${pkg("cli|web")}|^examples/|@tollgate/example-` },
    },
    {
      name: "no-circular",
      comment: "runtime import cycles; a type-only import back is harmless",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    // Keep resolved package paths (node_modules, other packages' dist) so rules can see them; just do not walk into them.
    doNotFollow: { path: "node_modules|(^|/)dist/" },
    exclude: { path: "\\.test\\.ts$|(^|/)test/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
