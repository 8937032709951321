/**
 * The request's own abort signal (`src/api/request-signal.ts`) must behave like AbortSignal for
 * everything the gateway does with it: the transport, retries and strategy budgets listen to it.
 * Each case is checked against a real AbortController's signal too, so the two cannot drift apart.
 */
import { describe, expect, it } from "vitest";
import { type Abortable, RequestSignal } from "../src/api/request-signal.js";

function both(): Array<{ name: string; signal: Abortable; abort(reason?: unknown): void }> {
  const ours = new RequestSignal();
  const controller = new AbortController();
  return [
    { name: "RequestSignal", signal: ours, abort: (r) => ours.abort(r) },
    { name: "AbortSignal", signal: controller.signal, abort: (r) => controller.abort(r) },
  ];
}

describe("request signal", () => {
  for (const { name, signal, abort } of both()) {
    it(`${name}: runs each listener once, with the reason set, and only those still registered`, () => {
      const seen: string[] = [];
      const a = () => seen.push(`a:${String(signal.reason)}`);
      const b = () => seen.push("b");
      signal.addEventListener("abort", a, { once: true });
      signal.addEventListener("abort", a);
      signal.addEventListener("abort", b);
      signal.removeEventListener("abort", b);
      expect(signal.aborted).toBe(false);
      expect(() => signal.throwIfAborted()).not.toThrow();
      abort("gone");
      abort("again");
      expect(seen).toEqual(["a:gone"]);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe("gone");
      expect(() => signal.throwIfAborted()).toThrow();
      // Added after the abort: never runs.
      signal.addEventListener("abort", b);
      abort("later");
      expect(seen).toEqual(["a:gone"]);
    });
  }

  for (const { name, signal, abort } of both()) {
    it(`${name}: without a reason, aborts with an AbortError`, () => {
      abort();
      expect(signal.reason).toBeInstanceOf(DOMException);
      expect((signal.reason as DOMException).name).toBe("AbortError");
    });
  }

  it("a listener that throws does not stop the others", async () => {
    const signal = new RequestSignal();
    const seen: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    // vitest listens for uncaught errors as well; take them over for this check.
    const previous = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onUncaught);
    try {
      signal.addEventListener("abort", () => {
        throw new Error("listener failed");
      });
      signal.addEventListener("abort", () => seen.push("second"));
      signal.abort();
      expect(seen).toEqual(["second"]);
      await new Promise((r) => setTimeout(r, 10));
      expect(uncaught).toHaveLength(1);
      expect((uncaught[0] as Error).message).toBe("listener failed");
    } finally {
      process.removeListener("uncaughtException", onUncaught);
      for (const l of previous) process.on("uncaughtException", l);
    }
  });
});
