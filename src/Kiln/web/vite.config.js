// Builds Kiln's web UI from this folder into ../wwwroot, which Kiln serves as static files. Kiln.csproj runs
// this on every `dotnet build` and `dotnet publish` (see the KilnWebUi targets there), so wwwroot is never
// checked in. Everything the page loads is bundled here: nothing comes from a CDN at run time.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../wwwroot", import.meta.url)),
    emptyOutDir: true,
    // Hashed names (the default under assets/) let a browser keep them; index.html itself is served no-cache.
    assetsDir: "assets",
    // The page's CSP forbids inline script and style, so nothing is inlined as a data: URL either.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    sourcemap: false,
    // Most of the bundle is CodeMirror's parsers; Kiln serves it itself, and a browser keeps it (hashed, immutable).
    chunkSizeWarningLimit: 1024,
  },
});
