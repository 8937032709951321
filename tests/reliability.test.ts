/**
 * Every sim fault kind → the outcome documented in docs/reliability.md: a retry that succeeds, a
 * fallback that answers, or a clean 5xx envelope / an OpenAI-style error event that ends a stream
 * (the SDK throws — a broken upstream must never look like a clean end). Also: bounded attempts,
 * Retry-After honoured, no retry once a stream byte went to the client, chunk-by-chunk forwarding.
 */
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { retryDelayMs } from "../src/models/retry.js";
import { DEFAULT_SIM_MODELS } from "../src/sim/server.js";
import { type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
let seq = 0;
/** A fresh request id per call, so the sim's `times=` counters and stats are per test. */
const rid = (tag: string) => `rel-${tag}-${++seq}-${Date.now()}`;
const attemptsOf = (id: string) => stack.sim.stats.seen.filter((s) => s === id).length;

beforeAll(async () => {
  stack = await startStack({
    sim: {
      models: [
        ...DEFAULT_SIM_MODELS,
        { name: "sim-down", faults: [{ kind: "503" }] },
        { name: "sim-stuck", faults: [{ kind: "stall" }] },
        { name: "sim-slow", ttftMs: 0, tokensPerSecond: 0 },
      ],
    },
    patch: (cfg) => {
      const providers = cfg.providers as Record<string, Record<string, unknown>>;
      providers.sim!.timeouts = { connectMs: 1000, firstByteMs: 400, idleMs: 400 };
      providers.sim!.retry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 1500 };
      const models = cfg.models as Record<string, unknown>;
      models["down-with-fallback"] = { provider: "sim", upstreamModel: "sim-down", price: { input: 1, output: 1 }, fallbacks: ["sim-fast"] };
      models["down-alone"] = { provider: "sim", upstreamModel: "sim-down", price: { input: 1, output: 1 } };
      models["stuck-with-fallback"] = { provider: "sim", upstreamModel: "sim-stuck", price: { input: 1, output: 1 }, fallbacks: ["sim-fast"] };
      models["sim-slow"] = { provider: "sim", price: { input: 1, output: 1 } };
    },
  });
});
afterAll(() => stack?.close());

const messages = [{ role: "user" as const, content: "tell me something about reliability" }];

async function chat(model: string, fault: string | null, id: string) {
  const headers: Record<string, string> = { "x-request-id": id };
  if (fault) headers["x-sim-fault"] = fault;
  return stack.client().chat.completions.create({ model, messages }, { headers }).withResponse();
}

async function streamChat(model: string, fault: string | null, id: string) {
  const headers: Record<string, string> = { "x-request-id": id };
  if (fault) headers["x-sim-fault"] = fault;
  const stream = await stack.client().chat.completions.create({ model, messages, stream: true }, { headers });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  return { text, chunks };
}

async function errorOf(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  throw new Error("expected the call to fail");
}

/** Faults that happen before the first byte of a response: one failure, then the retry answers. */
const TRANSIENT = ["500", "502", "503", "429;retry-after=0", "reset-before-headers", "reset-after-headers", "stall", "malformed", "truncate"];

describe("a transient fault is retried and the retry answers (times=1)", () => {
  it.each(TRANSIENT)("non-streaming %s", async (kind) => {
    const id = rid("unary");
    const { data, response } = await chat("sim-fast", `${kind};times=1`, id);
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(response.status).toBe(200);
    expect(attemptsOf(id)).toBe(2);
  });

  // Mid-stream faults (truncate, malformed, slow drip) are covered below: those are not retried.
  it.each(["500", "502", "503", "429;retry-after=0", "reset-before-headers", "reset-after-headers", "stall"])("streaming %s", async (kind) => {
    const id = rid("stream");
    const { text } = await streamChat("sim-fast", `${kind};times=1`, id);
    expect(text.length).toBeGreaterThan(0);
    expect(attemptsOf(id)).toBe(2);
  });
});

describe("a persistent fault ends in a clean envelope after bounded attempts", () => {
  const cases: Array<[string, number, string]> = [
    ["500", 502, "upstream_error"],
    ["502", 502, "upstream_error"],
    ["503", 503, "upstream_error"],
    ["reset-before-headers", 502, "upstream_connection_error"],
    ["reset-after-headers", 502, "upstream_connection_error"],
    ["stall", 504, "upstream_timeout_first_byte"],
    ["malformed", 502, "upstream_malformed_response"],
    ["truncate", 502, "upstream_connection_error"],
  ];
  it.each(cases)("non-streaming %s → %i %s", async (kind, status, code) => {
    const id = rid("persist");
    const err = await errorOf(chat("sim-fast", kind, id));
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toContain("sim");
    expect(attemptsOf(id)).toBe(3);
  });

  it.each(cases.filter(([k]) => !["malformed", "truncate"].includes(k)))("streaming %s → %i %s before any byte", async (kind, status, code) => {
    const id = rid("persist-stream");
    const err = await errorOf(streamChat("sim-fast", kind, id));
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(attemptsOf(id)).toBe(3);
  });

  it("a stalled upstream is cancelled at the sim when the first-byte timeout fires", async () => {
    const id = rid("stall-cancel");
    await errorOf(chat("sim-fast", "stall;ms=60000", id));
    // The last cancel may land just after the gateway answered: wait for it, don't time it.
    await vi.waitFor(() => expect(stack.sim.stats.cancelled.filter((c) => c === id).length).toBe(3), { timeout: 2000 });
  });
});

describe("429 and Retry-After", () => {
  it("honours a short Retry-After and then succeeds", async () => {
    const id = rid("429-short");
    const { data } = await chat("sim-fast", "429;times=1;retry-after=1", id);
    expect(data.choices.length).toBe(1);
    expect(attemptsOf(id)).toBe(2);
  });

  it("hands a Retry-After longer than the policy allows straight to the client", async () => {
    const id = rid("429-long");
    const err = await errorOf(chat("sim-fast", "429;retry-after=30", id));
    expect(err.status).toBe(429);
    expect(err.code).toBe("upstream_rate_limited");
    expect(err.headers?.get("retry-after")).toBe("30");
    expect(attemptsOf(id)).toBe(1);
  });

  it("backoff is exponential with jitter, bounded, and Retry-After wins", () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(policy, 3, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(policy, 10, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 1, 0.5)).toBe(500);
    expect(retryDelayMs(policy, 1, 2)).toBeNull();
  });
});

describe("fallbacks", () => {
  it("a failing model's fallback answers (non-streaming)", async () => {
    const id = rid("fb");
    const { data, response } = await chat("down-with-fallback", null, id);
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(response.headers.get("x-octoroute-model")).toBe("sim-fast");
    expect(attemptsOf(id)).toBe(4); // 3 attempts on sim-down, 1 on sim-fast
  });

  it("a failing model's fallback answers (streaming)", async () => {
    const { text } = await streamChat("down-with-fallback", null, rid("fb-stream"));
    expect(text.length).toBeGreaterThan(0);
  });

  it("a stalled model times out and its fallback answers", async () => {
    const { data, response } = await chat("stuck-with-fallback", null, rid("fb-stall"));
    expect(data.choices.length).toBe(1);
    expect(response.headers.get("x-octoroute-model")).toBe("sim-fast");
  });

  it("without a fallback the client gets the upstream's status and message", async () => {
    const err = await errorOf(chat("down-alone", null, rid("nofb")));
    expect(err.status).toBe(503);
    expect(err.message).toContain("simulated 503");
  });
});

describe("a stream that breaks after bytes reached the client", () => {
  it.each([
    ["truncate", "upstream_stream_error"],
    ["malformed", "upstream_malformed_response"],
    ["slow-drip;ms=1500", "upstream_timeout_idle"],
  ])("%s ends with an error event the SDK throws, and is not retried", async (kind, code) => {
    const id = rid("midstream");
    const headers = { "x-request-id": id, "x-sim-fault": kind };
    const stream = await stack.client().chat.completions.create({ model: "sim-fast", messages, stream: true }, { headers });
    let chunks = 0;
    const err = await errorOf(
      (async () => {
        for await (const _ of stream) chunks++;
      })(),
    );
    expect(chunks).toBeGreaterThan(0);
    expect(err.code ?? (err.error as { code?: string } | undefined)?.code).toBe(code);
    expect(attemptsOf(id)).toBe(1);
  });

  it("a slow drip within the idle timeout completes normally", async () => {
    const id = rid("drip-ok");
    const { text } = await streamChat("sim-fast", "slow-drip;ms=20", id);
    const plain = await chat("sim-fast", null, rid("drip-ref"));
    expect(text).toBe(plain.data.choices[0]!.message.content);
  });
});

describe("an upstream that ignores stream: true", () => {
  it("answers in one JSON body, which reaches the client as a stream with the same text and usage", async () => {
    const id = rid("nostream");
    const stream = await stack.client().chat.completions.create(
      { model: "sim-fast", messages, stream: true, stream_options: { include_usage: true } },
      { headers: { "x-request-id": id, "x-sim-fault": "ignore-stream" } },
    );
    let text = "";
    let finish: string | null = null;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason ?? null;
      if (chunk.usage) usage = chunk.usage;
    }
    const plain = await chat("sim-fast", null, rid("nostream-ref"));
    expect(text).toBe(plain.data.choices[0]!.message.content);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: plain.data.usage!.prompt_tokens, completion_tokens: plain.data.usage!.completion_tokens });
    expect(attemptsOf(id)).toBe(1);
  });

  it("does the same for streamed completions", async () => {
    const headers = { "x-sim-fault": "ignore-stream" };
    const stream = await stack.client().completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 8, stream: true }, { headers });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    const plain = await stack.client().completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 8 });
    expect(text).toBe(plain.choices[0]!.text);
  });
});

describe("streams are forwarded chunk by chunk", () => {
  it("the first chunk reaches the client before the sim finished a slow stream", async () => {
    const before = stack.sim.stats.completionTokens;
    const stream = await stack
      .client()
      .chat.completions.create({ model: "sim-slow", messages, stream: true }, { headers: { "x-request-id": rid("chunked"), "x-sim-fault": "slow-drip;ms=100" } });
    let sawContentBeforeEnd = false;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (chunks === 2 && chunk.choices[0]?.delta) sawContentBeforeEnd = stack.sim.stats.completionTokens === before;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(sawContentBeforeEnd).toBe(true);
    expect(stack.sim.stats.completionTokens).toBeGreaterThan(before);
  });
});
