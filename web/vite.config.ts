// The teaching app's build: the real loglab engine (src/) and simulator
// (sim/) bundled for the page, with relative URLs so the built site works
// from any static host or sub-folder, and a service worker so it keeps
// working offline after the first visit.

import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { offlinePlugin } from "./offline-plugin.ts";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [offlinePlugin()],
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The wasm core is embedded in the JS as bytes; nothing to inline or fetch.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  worker: { format: "es" },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
