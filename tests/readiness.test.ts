/**
 * `/readyz` for load balancers: ready while serving, with the ledger's state; on shutdown with
 * `server.drainDelayMs`, not ready (503) while the gateway still accepts and serves, so traffic can
 * move away before the port closes; requests already accepted finish.
 */
import { afterAll, describe, expect, it } from "vitest";
import { KEY_A, post, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close().catch(() => {});
});

const readyz = async (s: Stack) => {
  const res = await fetch(`${s.gateway.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> } };
};

describe("/readyz", () => {
  it("is ready without a key while serving; during the drain delay 503 while requests are still served", async () => {
    stack = await startStack({
      sim: { models: [{ name: "sim-small", latencyMs: 300 }] },
      patch: (cfg) => void ((cfg.server as Record<string, unknown>).drainDelayMs = 800),
    });
    expect(await readyz(stack)).toEqual({ status: 200, body: { status: "ready", checks: { server: { status: "ok" }, ledger: { status: "ok" } } } });

    const chat = () => post(stack!, "/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 }, {}, KEY_A);
    const inFlight = chat();
    await new Promise((r) => setTimeout(r, 50));
    const closing = stack.gateway.close();
    await new Promise((r) => setTimeout(r, 50));
    // Shutting down: not ready, but a new connection is still accepted and served.
    expect(await readyz(stack)).toMatchObject({ status: 503, body: { status: "not_ready", checks: { server: { status: "failing", detail: "shutting down" } } } });
    const late = await chat();
    expect(late.status).toBe(200);
    expect(late.headers.get("connection")).toBe("close");
    expect((await inFlight).status).toBe(200);
    await closing;
    // Then the port is closed.
    await expect(fetch(`${stack.gateway.url}/readyz`)).rejects.toThrow();
  });

  it("answers a request in flight when draining starts with `connection: close`, then closes the port", async () => {
    const drained = await startStack({ sim: { models: [{ name: "sim-small", latencyMs: 600 }] } });
    const inFlight = post(drained, "/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 }, {}, KEY_A);
    await new Promise((r) => setTimeout(r, 150));
    const closing = drained.gateway.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    // Its keep-alive connection is not offered for another request.
    expect(res.headers.get("connection")).toBe("close");
    await closing;
    await drained.sim.close();
    await expect(fetch(`${drained.gateway.url}/readyz`)).rejects.toThrow();
  });
});
