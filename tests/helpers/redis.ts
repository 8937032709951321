/**
 * A throwaway Redis for the tests of shared counters: Debian's `redis-server` on a free loopback
 * port, nothing persisted. `.ci/run` installs it; elsewhere the tests that need it skip unless
 * CI=true, where a missing server fails them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? "/usr/bin/redis-server";
export const HAVE_REDIS = existsSync(REDIS_SERVER);

export interface TestRedis {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  const s = createServer();
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  }));
}

/** Starts redis-server (on `port`, e.g. to restart one that was stopped) and waits until it accepts connections. */
export async function startRedis(port?: number): Promise<TestRedis> {
  if (!HAVE_REDIS) throw new Error(`redis-server not found at ${REDIS_SERVER}; .ci/run installs it with apt-get (CI=true makes this a failure, not a skip)`);
  const p = port ?? (await freePort());
  const proc = spawn(REDIS_SERVER, ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGKILL");
      }),
  };
}
