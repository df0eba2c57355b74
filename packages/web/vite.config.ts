import { defineConfig } from "vite";

// The web UI is served by the Tollgate server at `/` (packages/server/src/http/web-ui.ts); it
// talks to the API of the same origin through @tollgate/sdk.
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // react-query marks its modules "use client" for server-component bundlers (nothing to do
      // here), and dropping those lines makes rollup warn again about their source maps
      onwarn(warning, warn) {
        const fromDependency = warning.id?.includes("/node_modules/") ?? false;
        if (fromDependency && (warning.code === "MODULE_LEVEL_DIRECTIVE" || warning.code === "SOURCEMAP_ERROR")) return;
        warn(warning);
      },
    },
  },
});
