/**
 * Compiles the TypeScript sources to plain JavaScript, file by file (TypeScript's
 * `transpileModule`: no type-check, ~2 s for the whole tree), keeping the layout, so the gateway
 * runs on plain `node` instead of through tsx's loader. What that saves (`npm start` on the
 * example config, 2026-11-30): resident memory 94–97 MB instead of 132–177 MB idle, 156–162 MB
 * instead of 188–201 MB after 20k requests at c=16 (tsx's loader, its source maps and esbuild's
 * service); the compile at every start; and esbuild's `keepNames` helper, which re-defines the
 * `name` of every closure the request path creates (~2% of the gateway's CPU under load).
 *
 * `npm run build` writes `dist/` (what `bin/octoroute.mjs`, and so `npm start`, runs when it is
 * current); `bench/build.ts` uses `build()` for the bench's own tree. Type errors are `npm run
 * typecheck`'s job; this only strips types.
 *
 * Files other than `.ts` (dashboard assets, the worker boot script) are copied; the `.ts` files
 * are copied too, beside their `.js`, because a worker thread is named by its `.ts` URL and
 * `worker-boot.mjs` runs the `.js` beside it when there is one.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where `npm run build` puts the gateway, and what `bin/octoroute.mjs` runs. */
export const DIST = join(ROOT, "dist");
const STAMP = ".build-stamp";

function* files(dir, skip) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip.includes(path)) continue;
    if (entry.isDirectory()) yield* files(path, skip);
    else yield path;
  }
}

/**
 * Compiles `dirs` (relative to `root`) into `out`, same layout. `skip`: absolute paths to leave
 * out. Returns `out`.
 */
export async function build({ root = ROOT, out, dirs = ["src"], skip = [] }) {
  const { default: ts } = await import("typescript");
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false };
  for (const top of dirs) {
    for (const file of files(join(root, top), skip)) {
      const target = join(out, relative(root, file));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      if (file.endsWith(".ts") && !file.endsWith(".d.ts")) {
        const js = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions, fileName: file }).outputText;
        writeFileSync(target.replace(/\.ts$/, ".js"), js);
      }
    }
  }
  return out;
}

/** What the build of `src/` depends on: the number of source files and the newest change. */
function sourceState() {
  let count = 0;
  let newest = 0;
  for (const file of files(join(ROOT, "src"), [])) {
    count++;
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return `${count} ${newest}`;
}

/** True when `dist/` was built from the sources as they are now. */
export function distIsCurrent() {
  try {
    return readFileSync(join(DIST, STAMP), "utf8") === sourceState();
  } catch {
    return false;
  }
}

/**
 * Builds `src/` into `dist/`. The tree is built beside it and swapped in whole, so a process
 * starting meanwhile never imports half a build; a current tree another process built meanwhile
 * is kept as it is (a gateway may be running from it).
 */
export async function buildDist() {
  const state = sourceState();
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await build({ out: tmp });
    writeFileSync(join(tmp, STAMP), state);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (distIsCurrent()) {
    rmSync(tmp, { recursive: true, force: true });
    return DIST;
  }
  rmSync(DIST, { recursive: true, force: true });
  try {
    renameSync(tmp, DIST);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(DIST)) throw err;
  }
  return DIST;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const started = Date.now();
  await buildDist();
  console.log(`built ${relative(process.cwd(), DIST) || "."}/ in ${Date.now() - started} ms`);
}
