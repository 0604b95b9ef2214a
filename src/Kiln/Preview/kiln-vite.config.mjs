// Kiln's Vite config for a preview's dev server (see README "Select to edit"). Vite runs it from outside the app
// (read-only in the sandbox) with --configLoader native, so nothing is bundled next to it. It loads the app's own
// config, as Vite would have, watches the app's files by polling (below), and adds one dev-only plugin that tags
// each intrinsic JSX element with where it is written: data-kiln-source="src/App.tsx:LINE:COLUMN". The app's files are never touched, and `vite build`, which
// does not read this config, produces no tags.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = process.cwd();
// The app's own Vite, the one that runs this config (node resolves the same real path, so the same module).
const vitePath = createRequire(path.join(root, "package.json")).resolve("vite");
const vite = await import(pathToFileURL(vitePath).href);
// Vite 8's bundler, for a MagicString whose source map follows the inserted attributes.
const { RolldownMagicString } = await import(pathToFileURL(createRequire(vitePath).resolve("rolldown")).href);

const attribute = "data-kiln-source";

// Kiln writes an app's files whole, by renaming a new file over the old one, and chokidar's native watching of files
// whose inode is replaced now and then stopped seeing later edits under load: an edit Vite never picked up (its module
// still served as before a minute later) in about one full test run in three. Polling compares each file by path, so a
// replaced file is always seen, a few hundred milliseconds later; node_modules and .git are not watched. An app's own
// server.watch settings still win.
const watchByPolling = { server: { watch: { usePolling: true, interval: 200 } } };

export default async (env) => {
  const loaded = await vite.loadConfigFromFile(env, undefined, root);
  const app = vite.mergeConfig(watchByPolling, loaded?.config ?? {});
  return vite.mergeConfig(app, { plugins: [sourceTags(loaded?.path, loaded?.dependencies ?? [])] });
};

function sourceTags(appConfigPath, appConfigDependencies) {
  let appRoot = root;
  return {
    name: "kiln:source-tags",
    apply: "serve",
    enforce: "pre",
    configResolved(config) {
      appRoot = config.root;
    },
    // Vite restarts when its config changes, but its config is this file: watch the app's, as Vite would have.
    configureServer(server) {
      const watched = [appConfigPath, ...appConfigDependencies].filter(Boolean).map((file) => path.resolve(root, file));
      server.watcher.add(watched);
      server.watcher.on("change", (file) => {
        if (watched.includes(path.resolve(file))) server.restart();
      });
    },
    transform: {
      filter: { id: /\.[jt]sx(?:$|\?)/ },
      handler(code, id) {
        const file = id.split("?")[0];
        const relative = path.relative(appRoot, file);
        if (relative.startsWith("..") || path.isAbsolute(relative) || relative.split(path.sep).includes("node_modules")) return null;
        const parsed = vite.parseSync(file, code, { lang: file.endsWith(".tsx") ? "tsx" : "jsx", sourceType: "module" });
        // The app's own transform reports the syntax error; this plugin leaves the code as it is.
        if (parsed.errors.length > 0) return null;
        const source = relative.split(path.sep).join("/");
        const lines = lineStarts(code);
        const edits = [];
        new vite.Visitor({
          JSXOpeningElement(node) {
            if (node.name.type !== "JSXIdentifier" || !/^[a-z]/.test(node.name.name)) return;
            if (node.attributes.some((a) => a.type === "JSXAttribute" && a.name.name === attribute)) return;
            const [line, column] = position(lines, node.start);
            edits.push([node.name.end, ` ${attribute}="${source}:${line}:${column}"`]);
          },
        }).visit(parsed.program);
        if (edits.length === 0) return null;
        const text = new RolldownMagicString(code);
        for (const [at, tag] of edits) text.appendLeft(at, tag);
        const map = text.generateMap({ source: file, includeContent: true, hires: "boundary" });
        return { code: text.toString(), map: { version: 3, sources: map.sources, sourcesContent: map.sourcesContent, names: map.names, mappings: map.mappings } };
      },
    },
  };
}

function lineStarts(code) {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

// 1-based line and column of a UTF-16 offset, as editors and stack traces count them.
function position(starts, offset) {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return [low + 1, offset - starts[low] + 1];
}
