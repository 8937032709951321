// Entry of every worker thread the gateway starts: `workerData.module` is the URL of the thread's
// TypeScript body. A built tree (the bench's, or a deployment's) has the compiled `.js` beside it
// and runs that on plain Node; a source checkout registers tsx's loader in this thread (loaders
// are per thread) and runs the `.ts` itself. Compiled code skips tsx's ~40 MB and its start-up.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { workerData } from "node:worker_threads";

const body = workerData.module;
const compiled = body.replace(/\.ts$/, ".js");
if (compiled !== body && existsSync(fileURLToPath(compiled))) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(body);
}
