/**
 * Every strategy end to end through the gateway with the official SDK, streamed and not, against
 * the sim task world: answers, exact usage (= the tokens the sim served), progress comments,
 * selection by body/header/route, 400s for bad parameters and missing capabilities, tenant policy,
 * budget stops, n>1 fallback, client abort, and the trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTasks } from "../src/sim/task-world/tasks.js";
import { KEY_B, post, type Stack } from "./helpers/stack.js";
import { startTaskWorld } from "./helpers/task-world.js";

let stack: Stack;
const question = () => allTasks()[3]!.question;

beforeAll(async () => {
  stack = await startTaskWorld({
    patch: (cfg) => {
      const tenants = cfg.tenants as Record<string, { models: string[]; strategies?: unknown }>;
      tenants["team-b"]!.models = ["sim-small", "math", "math-single"];
      tenants["team-b"]!.strategies = { allowed: ["self-consistency"], maxCalls: 2 };
    },
  });
});
afterAll(() => stack?.close());

type Oct = Record<string, unknown>;
const cases: Array<[string, string, Oct]> = [
  ["self-consistency", "math", { strategy: "self-consistency", n: 4 }],
  ["self-consistency adaptive", "math-single", { strategy: "self-consistency", n: 8, adaptive: true }],
  ["best-of-n (PRM)", "math", { strategy: "best-of-n", n: 4 }],
  ["best-of-n (pairwise judge)", "math-judged", { strategy: "best-of-n", n: 4 }],
  ["plansearch", "math", { strategy: "plansearch", plans: 3, observations: 3 }],
  ["particle-filter (assistant prefix)", "math", { strategy: "particle-filter", n: 3 }],
  ["particle-filter (completions)", "math-completions", { strategy: "particle-filter", n: 3 }],
  ["rebase", "math", { strategy: "rebase", width: 4 }],
];

describe("strategies end to end", () => {
  for (const [label, model, octoroute] of cases) {
    it(`${label}: answers with usage equal to what the sim served`, async () => {
      stack.sim.resetStats();
      const { data, response } = await stack
        .client()
        .chat.completions.create({ model, messages: [{ role: "user", content: question() }], octoroute } as never)
        .withResponse();
      const res = data as unknown as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number }; octoroute: Record<string, unknown> };
      expect(res.choices[0]!.message.content).toMatch(/####|answer is/);
      expect(res.usage.prompt_tokens).toBe(stack.sim.stats.promptTokens);
      expect(res.usage.completion_tokens).toBe(stack.sim.stats.completionTokens);
      expect(response.headers.get("x-octoroute-strategy")).toBe(octoroute.strategy);
      expect(res.octoroute.strategy).toBe(octoroute.strategy);

      // Streamed: same strategy, progress comments are ignored by the SDK, closing usage = whole cost.
      stack.sim.resetStats();
      const stream = await stack.client().chat.completions.create({ model, messages: [{ role: "user", content: question() }], stream: true, stream_options: { include_usage: true }, octoroute } as never);
      let text = "";
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta?: { content?: string } }>; usage?: typeof usage }>) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toMatch(/####|answer is/);
      expect(usage!.prompt_tokens).toBe(stack.sim.stats.promptTokens);
      expect(usage!.completion_tokens).toBe(stack.sim.stats.completionTokens);
    });
  }

  it("sends progress as SSE comments before the answer", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "math", stream: true, messages: [{ role: "user", content: question() }], octoroute: { strategy: "self-consistency", n: 3 } });
    const raw = await res.text();
    expect(raw).toMatch(/^: sampled \d\/3$/m);
    expect(raw.indexOf(": sampled")).toBeLessThan(raw.indexOf('"content"'));
    expect(raw.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("falls back to parallel single calls when the upstream ignores n>1", async () => {
    stack.sim.resetStats();
    const res = (await stack.client().chat.completions.create({ model: "math-single", messages: [{ role: "user", content: question() }], octoroute: { strategy: "self-consistency", n: 5, trace: true } } as never)) as unknown as { octoroute: { samples: number; trace: { candidates: Array<{ text: string }> } } };
    expect(stack.sim.stats.byModel["solver-single"]).toBe(5);
    expect(res.octoroute.samples).toBe(5);
    // Distinct seeds: the samples are not all the same text.
    expect(new Set(res.octoroute.trace.candidates.map((c) => c.text)).size).toBeGreaterThan(1);
  });

  it("keeps multi-turn conversations and system prompts intact in every sample", async () => {
    const messages = [
      { role: "system" as const, content: "You are a careful tutor." },
      { role: "user" as const, content: "Can you help with homework?" },
      { role: "assistant" as const, content: "Of course, what is the problem?" },
      { role: "user" as const, content: question() },
    ];
    const one = await stack.client().chat.completions.create({ model: "math-single", messages });
    const sc = await stack.client().chat.completions.create({ model: "math-single", messages, octoroute: { strategy: "self-consistency", n: 3 } } as never);
    expect(sc.usage!.prompt_tokens).toBe(3 * one.usage!.prompt_tokens);
  });

  it("selects by header with parameters, and by route default", async () => {
    const { data, response } = await stack
      .client()
      .chat.completions.create({ model: "math", messages: [{ role: "user", content: question() }] }, { headers: { "x-octoroute-strategy": "self-consistency; n=3; temperature=0.5" } })
      .withResponse();
    expect(response.headers.get("x-octoroute-strategy")).toBe("self-consistency");
    const oct = (data as unknown as { octoroute: { params: { n: number; temperature: number } } }).octoroute;
    expect(oct.params.n).toBe(3);
    expect(oct.params.temperature).toBe(0.5);
    const routed = await stack.client().chat.completions.create({ model: "math-route", messages: [{ role: "user", content: question() }] }).withResponse();
    expect(routed.response.headers.get("x-octoroute-strategy")).toBe("self-consistency");
    expect((routed.data as unknown as { octoroute: { samples: number } }).octoroute.samples).toBe(3);
  });

  it("answers tools requests with strategy none", async () => {
    const { response } = await stack
      .client()
      .chat.completions.create({
        model: "sim-small",
        messages: [{ role: "user", content: "weather?" }],
        tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: {} } } }],
        octoroute: { strategy: "self-consistency", n: 4 },
      } as never)
      .withResponse();
    expect(response.headers.get("x-octoroute-strategy")).toBe("none");
  });
});

describe("strategy errors and policy", () => {
  const ask = (model: string, octoroute: Oct, headers: Record<string, string> = {}, key?: string) =>
    post(stack, "/v1/chat/completions", { model, messages: [{ role: "user", content: question() }], octoroute }, headers, key);

  it("400 naming the bad parameter or unknown strategy", async () => {
    for (const [oct, param] of [
      [{ strategy: "self-consistency", n: 0 }, "octoroute.n"],
      [{ strategy: "self-consistency", temperature: "hot" }, "octoroute.temperature"],
      [{ strategy: "self-consistency", m: 3 }, "octoroute.m"],
      [{ strategy: "rebase", width: 1000 }, "octoroute.width"],
      [{ strategy: "self-consistency", budget: { calls: -1 } }, "octoroute.budget.calls"],
      [{ strategy: "tree-of-thought" }, "octoroute.strategy"],
    ] as Array<[Oct, string]>) {
      const res = await ask("math", oct);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    const bad = await ask("math", {}, { "x-octoroute-strategy": "self-consistency; n=many" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("octoroute.n");
  });

  it("400 saying which capability is missing", async () => {
    const cont = await ask("math-plain", { strategy: "particle-filter" });
    expect(cont.status).toBe(400);
    expect(((await cont.json()) as { error: { message: string; code: string } }).error.message).toMatch(/continuation/);
    const logprobs = await ask("math-plain", { strategy: "self-consistency", weighted: true });
    expect(logprobs.status).toBe(400);
    expect(((await logprobs.json()) as { error: { message: string } }).error.message).toMatch(/logprobs/);
    const verifier = await ask("sim-small", { strategy: "best-of-n" });
    expect(verifier.status).toBe(400);
    const body = (await verifier.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe("capability_missing");
    expect(body.error.message).toMatch(/verifier/);
  });

  it("refuses strategies the tenant policy does not allow", async () => {
    const res = await ask("math", { strategy: "best-of-n" }, {}, KEY_B);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("strategy_not_allowed");
  });

  it("stops cleanly at the tenant's call cap and says so", async () => {
    stack.sim.resetStats();
    const res = await ask("math-single", { strategy: "self-consistency", n: 6 }, {}, KEY_B);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-octoroute-budget-stopped")).toBe("calls");
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; octoroute: { budget: { stopped: boolean; stopped_by: string; calls_used: number }; samples: number }; usage: { completion_tokens: number } };
    expect(body.octoroute.budget).toMatchObject({ stopped: true, stopped_by: "calls", calls_used: 2 });
    expect(body.octoroute.samples).toBe(2);
    expect(stack.sim.stats.byModel["solver-single"]).toBe(2);
    expect(body.choices[0]!.message.content).toMatch(/####|answer is/);
    expect(body.usage.completion_tokens).toBe(stack.sim.stats.completionTokens);
  });

  it("stops at a token budget and reports it in the stream too", async () => {
    const res = await post(stack, "/v1/chat/completions", {
      model: "math",
      stream: true,
      messages: [{ role: "user", content: question() }],
      octoroute: { strategy: "particle-filter", n: 4, budget: { tokens: 600 } },
    });
    const raw = await res.text();
    expect(raw).toMatch(/^: budget stopped: tokens$/m);
    expect(raw).toContain('"stopped_by":"tokens"');
  });

  it("stops at the wall-time and USD budgets with what it has", async () => {
    const timed = await ask("math-slow", { strategy: "self-consistency", n: 4, budget: { wall_ms: 100 } });
    expect(timed.status).toBe(200);
    expect(timed.headers.get("x-octoroute-budget-stopped")).toBe("time");
    const body = (await timed.json()) as { choices: Array<{ finish_reason: string }>; octoroute: { samples?: number } };
    expect(body.choices[0]!.finish_reason).toBe("length");
    const priced = await ask("math", { strategy: "particle-filter", n: 4, budget: { usd: 1e-6 } });
    expect(priced.status).toBe(200);
    expect(priced.headers.get("x-octoroute-budget-stopped")).toBe("usd");
    const p = (await priced.json()) as { choices: Array<{ message: { content: string } }>; usage: { total_tokens: number } };
    expect(p.choices[0]!.message.content.length).toBeGreaterThan(0);
  });

  it("cancels every in-flight sim call when the client aborts", async () => {
    stack.sim.resetStats();
    const controller = new AbortController();
    const pending = stack
      .client()
      .chat.completions.create({ model: "math-slow", messages: [{ role: "user", content: question() }], octoroute: { strategy: "self-consistency", n: 6 } } as never, { signal: controller.signal, headers: { "x-request-id": "abort-sc-1" } });
    // Wait until all six calls reached the sim, then leave.
    for (let i = 0; i < 200 && stack.sim.stats.seen.filter((id) => id === "abort-sc-1").length < 6; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toThrow();
    for (let i = 0; i < 200 && stack.sim.stats.cancelled.filter((id) => id === "abort-sc-1").length < 6; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stack.sim.stats.cancelled.filter((id) => id === "abort-sc-1")).toHaveLength(6);
    expect(stack.sim.stats.completionTokens).toBe(0);
  });
});

describe("trace", () => {
  it("shows PlanSearch's stages and per-call costs that add up to the request cost", async () => {
    const { data, response } = await stack
      .client()
      .chat.completions.create({ model: "math", messages: [{ role: "user", content: question() }], octoroute: { strategy: "plansearch", plans: 4, observations: 3, critique: true, trace: true } } as never)
      .withResponse();
    const trace = (data as unknown as { octoroute: { trace: { stages: Record<string, unknown[]> & { selection: { by: string } }; calls: Array<{ cost_usd: number; purpose: string }> } } }).octoroute.trace;
    expect(trace.stages.observations!.length).toBeGreaterThan(0);
    expect(trace.stages.plans).toHaveLength(4);
    expect((trace.stages.plans as Array<{ critique: string | null }>).every((p) => p.critique)).toBe(true);
    expect(trace.stages.solutions).toHaveLength(4);
    expect(trace.stages.selection.by).toBe("verifier");
    expect(trace.calls.some((c) => c.purpose === "reward")).toBe(true);
    const sum = trace.calls.reduce((s, c) => s + c.cost_usd, 0);
    expect(sum).toBeCloseTo(Number(response.headers.get("x-octoroute-cost-usd")), 9);
  });

  it("selects PlanSearch answers by provided tests", async () => {
    const task = allTasks()[3]!;
    const data = (await stack.client().chat.completions.create({ model: "math-single", messages: [{ role: "user", content: task.question }], octoroute: { strategy: "plansearch", plans: 4, trace: true, tests: [{ expected: task.answer }] } } as never)) as unknown as { octoroute: { trace: { stages: { selection: { by: string } } } } };
    expect(data.octoroute.trace.stages.selection.by).toBe("tests");
  });

  it("shows particle-filter resampling rounds and candidates with rewards", async () => {
    const data = (await stack.client().chat.completions.create({ model: "math", messages: [{ role: "user", content: question() }], octoroute: { strategy: "particle-filter", n: 4, trace: true } } as never)) as unknown as { octoroute: { trace: { rounds: Array<{ weights: number[]; resampled: number[] }>; candidates: Array<{ reward: number }> } } };
    const round = data.octoroute.trace.rounds[0]!;
    expect(round.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(round.resampled).toHaveLength(4);
    expect(data.octoroute.trace.candidates.length).toBeGreaterThan(0);
  });
});
