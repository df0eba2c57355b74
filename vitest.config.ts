import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, not their builds.
const alias = {
  "@tollgate/core": src("./packages/core/src/index.ts"),
  "@tollgate/store": src("./packages/store/src/index.ts"),
  "@tollgate/sdk": src("./packages/sdk/src/index.ts"),
  "@tollgate/server": src("./packages/server/src/index.ts"),
  "@tollgate/example-support-triage": src("./examples/support-triage/src/index.ts"),
};

/**
 * `npm test` runs the default suite, which needs nothing but Node. The PostgreSQL suite
 * (`*.pg.test.ts`, TOLLGATE_SUITE=pg), the rsyslog suite (`*.rsyslog.test.ts`,
 * TOLLGATE_SUITE=rsyslog) and the browser suite (`*.browser.test.ts`, TOLLGATE_SUITE=browser,
 * Debian's Chromium) need those; `.ci/run` provides them.
 */
const tests = ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"];
const suites: Record<string, string[]> = {
  default: tests,
  pg: tests.map((t) => t.replace("*.test.ts", "*.pg.test.ts")),
  rsyslog: tests.map((t) => t.replace("*.test.ts", "*.rsyslog.test.ts")),
  browser: tests.map((t) => t.replace("*.test.ts", "*.browser.test.ts")),
};
const suite = process.env.TOLLGATE_SUITE ?? "default";

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: suites[suite] ?? suites.default,
    // PostgreSQL suite files one at a time: the store's tests each create and drop a schema in one
    // database, and Kysely's migrator lists every table of the database on start
    // (pg_get_serial_sequence per column), which fails with "schema … does not exist" when another
    // file drops its schema in the middle of that query
    fileParallelism: suite !== "pg",
    exclude:
      suite === "default"
        ? ["**/node_modules/**", "**/*.pg.test.ts", "**/*.rsyslog.test.ts", "**/*.browser.test.ts"]
        : ["**/node_modules/**"],
  },
});
