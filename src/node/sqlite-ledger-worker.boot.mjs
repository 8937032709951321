// Worker-thread entry of the SQLite ledger: registers tsx's loader in this thread (loaders are
// per thread), then runs the TypeScript body.
import { register } from "tsx/esm/api";

register();
await import("./sqlite-ledger-worker.ts");
