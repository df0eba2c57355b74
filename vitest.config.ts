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

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
  },
});
