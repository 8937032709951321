/**
 * Compiles `src/` and `bench/` to plain JavaScript (TypeScript's `transpileModule`, file by file,
 * same layout, non-TS files copied) under `node_modules/.cache/octoroute-bench/` (outside the
 * type-checked tree; packages still resolve from the project's node_modules), so the bench runs on
 * plain `node`: the tsx loader adds ~40 MB of RSS and startup allocation that a deployed gateway
 * would not carry, and it would blur the memory figures.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

function* files(dir: string, skip: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    if (entry.isDirectory()) yield* files(path, skip);
    else yield path;
  }
}

/** Builds into `<root>/node_modules/.cache/octoroute-bench` and returns that directory. */
export function buildForBench(root: string): string {
  const out = join(root, "node_modules", ".cache", "octoroute-bench");
  rmSync(out, { recursive: true, force: true });
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false };
  for (const top of ["src", "bench"]) {
    for (const file of files(join(root, top), join(root, "bench", "results"))) {
      const target = join(out, relative(root, file));
      mkdirSync(dirname(target), { recursive: true });
      // TypeScript files are kept too: a worker may load one through tsx on purpose.
      copyFileSync(file, target);
      if (file.endsWith(".ts") && !file.endsWith(".d.ts")) {
        const js = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions: options, fileName: file }).outputText;
        writeFileSync(target.replace(/\.ts$/, ".js"), js);
      }
    }
  }
  // Outside the project's package scope: say that these files are ES modules.
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }));
  return out;
}
