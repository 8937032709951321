/**
 * Every router type end to end through the gateway against the sim, with the official SDK: the
 * decision, its explanation headers, the request summary (router, scores, threshold) and the usage
 * of every model call a router made (LLM router, cascade attempts and judges, embeddings).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { run as train } from "../src/cli/router-train.js";
import { DEFAULT_SIM_MODELS } from "../src/sim/server.js";
import { KEY_B, post, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const summaries = new Map<string, RequestSummary>();
const artifactDir = mkdtempSync(join(tmpdir(), "octoroute-router-"));
const FIXTURE = join(import.meta.dirname, "fixtures/routing/tiny-pair.jsonl");

beforeAll(async () => {
  // The training CLI on a small fixture; its artifacts are loaded by the routes below.
  const log = console.log;
  console.log = () => {};
  try {
    expect(await train(["--data", FIXTURE, "--out", join(artifactDir, "clf.json"), "--epochs", "80"])).toBe(0);
    expect(await train(["--data", FIXTURE, "--router", "knn", "--out", join(artifactDir, "knn.json")])).toBe(0);
  } finally {
    console.log = log;
  }
  stack = await startStack({
    sim: {
      models: [
        ...DEFAULT_SIM_MODELS,
        { name: "sim-router", behaviour: "functional-router" },
        { name: "sim-router-bad", behaviour: "functional-router", options: { garbage: true } },
        { name: "sim-cheap", behaviour: "confidence" },
        { name: "sim-strong", behaviour: "confidence", options: { confidence: 0.95 } },
        { name: "sim-judge", behaviour: "confidence" },
      ],
    },
    hooks: { onRequestEnd: (s) => summaries.set(s.requestId, s) },
    patch: (cfg) => {
      const models = cfg.models as Record<string, unknown>;
      const priced = { provider: "sim", price: { input: 0.1, output: 0.2 } };
      models["sim-router"] = priced;
      models["sim-router-bad"] = priced;
      models["sim-cheap"] = { ...priced, escalate: "sim-strong" };
      models["sim-strong"] = { provider: "sim", price: { input: 3, output: 12 } };
      models["sim-judge"] = priced;
      cfg.routes = {
        fast: { model: "sim-fast" },
        "by-rules": {
          router: {
            type: "rules",
            rules: [
              { when: { field: "meta.tier", eq: "gold" }, node: "sim-large", reason: "gold tier" },
              { when: { and: [{ field: "domain", in: ["math", "code"] }, { not: { field: "hasTools", eq: true } }] }, node: "sim-large", reason: "math/code" },
              { when: { or: [{ field: "promptTokens", gt: 400 }, { field: "text", regex: "^urgent\\b" }] }, node: "sim-large", reason: "long or urgent" },
            ],
          },
          default: "sim-small",
        },
        clf: { router: { type: "classifier", artifact: join(artifactDir, "clf.json"), labels: { strong: "sim-large", weak: "sim-small" }, threshold: 0.3 }, candidates: ["sim-small", "sim-large"] },
        "clf-none": { router: { type: "classifier", artifact: join(artifactDir, "clf.json"), labels: { strong: "sim-large", weak: "sim-small" }, quality: 0.5 }, candidates: ["sim-small", "sim-large"], strategy: { name: "self-consistency", n: 2 } },
        knn: { router: { type: "knn", artifact: join(artifactDir, "knn.json"), labels: { strong: "sim-large", weak: "sim-small" }, threshold: 0.3, k: 5 }, candidates: ["sim-small", "sim-large"] },
        "knn-emb": {
          router: { type: "knn", artifact: join(artifactDir, "knn.json"), labels: { strong: "sim-large", weak: "sim-small" }, threshold: 0.3, k: 5, embeddings: "sim-embed" },
          candidates: ["sim-small", "sim-large"],
        },
        octopus: {
          router: { type: "llm", model: "sim-router", descriptions: { "sim-small": "small talk greetings jokes", "sim-large": "math integral derivative equation proofs" }, rewrite: true },
          candidates: ["sim-small", "sim-large"],
        },
        "octopus-bad": { router: { type: "llm", model: "sim-router-bad" }, candidates: ["sim-small", "sim-large"], default: "sim-large" },
        cascade: { router: { type: "cascade", threshold: 0.5 }, candidates: ["sim-cheap"] },
        "cascade-judge": { router: { type: "cascade", threshold: 0.5, judge: "sim-judge" }, candidates: ["sim-cheap"] },
        bandit: { router: { type: "bandit", algorithm: "thompson", context: ["length"] }, candidates: ["sim-fast", "sim-small"] },
      };
    },
  });
});
afterAll(() => stack?.close());

async function ask(model: string, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const { data, response } = await stack
    .client()
    .chat.completions.create({ model, messages: [{ role: "user", content }], ...extra } as never, { headers })
    .withResponse();
  const id = response.headers.get("x-request-id")!;
  return { data: data as unknown as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } }, headers: response.headers, id, summary: () => summaries.get(id)! };
}

describe("rules router", () => {
  it("routes by domain, metadata header, length and regex, else the default, and explains why", async () => {
    const math = await ask("by-rules", "Solve the equation 3x + 2 = 11 and prove it with algebra");
    expect(math.headers.get("x-octoroute-model")).toBe("sim-large");
    expect(math.headers.get("x-octoroute-route")).toBe("by-rules");
    expect(math.headers.get("x-octoroute-route-reason")).toContain("math/code");
    const gold = await ask("by-rules", "hello", {}, { "x-octoroute-meta-tier": "gold" });
    expect(gold.headers.get("x-octoroute-route-reason")).toContain("gold tier");
    expect(gold.headers.get("x-octoroute-model")).toBe("sim-large");
    const urgent = await ask("by-rules", "urgent: reply to the mail");
    expect(urgent.headers.get("x-octoroute-model")).toBe("sim-large");
    const long = await ask("by-rules", "tell me a story ".repeat(150));
    expect(long.headers.get("x-octoroute-route-reason")).toContain("long or urgent");
    const plain = await ask("by-rules", "hello there, how are you");
    expect(plain.headers.get("x-octoroute-model")).toBe("sim-small");
    expect(plain.headers.get("x-octoroute-route-reason")).toContain("no rule matched");
    expect(plain.summary().router).toBe("rules");
  });
});

describe("classifier router (artifact from the training CLI)", () => {
  it("sends hard prompts to the strong node and easy ones to the weak node, with scores and threshold", async () => {
    const hard = await ask("clf", "Compute the integral of 7x^3 from 0 to 9.");
    expect(hard.headers.get("x-octoroute-model")).toBe("sim-large");
    const easy = await ask("clf", "Tell me a short joke about apples.");
    expect(easy.headers.get("x-octoroute-model")).toBe("sim-small");
    const s = hard.summary();
    expect(s.router).toBe("classifier");
    expect(s.routeThreshold).toBe(0.3);
    expect(s.routeScores!.score).toBeGreaterThan(0.3);
    expect(easy.summary().routeScores!.score).toBeLessThan(0.3);
    expect(hard.headers.get("x-octoroute-route-reason")).toMatch(/strong-win score .* >= threshold 0.300/);
  });

  it("moves the threshold with the per-request quality knob and honours max_cost_usd", async () => {
    const all = await ask("clf", "Tell me a short joke about apples.", { octoroute: { quality: 1 } });
    expect(all.headers.get("x-octoroute-model")).toBe("sim-large");
    const none = await ask("clf", "Compute the integral of 7x^3 from 0 to 9.", { octoroute: { quality: 0 } });
    expect(none.headers.get("x-octoroute-model")).toBe("sim-small");
    const capped = await ask("clf", "Compute the integral of 7x^3 from 0 to 9.", { octoroute: { max_cost_usd: 0.0003 } });
    expect(capped.headers.get("x-octoroute-model")).toBe("sim-small");
    expect(capped.headers.get("x-octoroute-route-reason")).toContain("max_cost_usd");
  });

  it("keeps the knob out of the route's default strategy parameters", async () => {
    const r = await ask("clf-none", "Tell me a short joke about apples.", { octoroute: { quality: 1, max_cost_usd: 5 } });
    expect(r.headers.get("x-octoroute-model")).toBe("sim-large");
    expect(r.headers.get("x-octoroute-strategy")).toBe("self-consistency");
  });

  it("rejects a bad knob with a 400 naming the parameter", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "clf", messages: [{ role: "user", content: "hi" }], octoroute: { quality: 3 } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("octoroute.quality");
  });
});

describe("knn router", () => {
  it("routes by similarity-weighted neighbours over hashed features", async () => {
    expect((await ask("knn", "Find the derivative of x^3 * sin(4x) at x = 5.")).headers.get("x-octoroute-model")).toBe("sim-large");
    expect((await ask("knn", "Write a friendly greeting for Bo.")).headers.get("x-octoroute-model")).toBe("sim-small");
  });

  it("uses a configured embeddings model, metered in the request's usage", async () => {
    const r = await ask("knn-emb", "Calculate the determinant of the matrix [[3,4],[5,3]].");
    expect(r.headers.get("x-octoroute-model")).toBe("sim-large");
    const purposes = r.summary().records.map((x) => x.purpose);
    expect(purposes).toContain("embedding");
    expect(purposes).toContain("answer");
  });
});

describe("llm router (functional tokens)", () => {
  it("lets the router model choose a node, metered as purpose router, and rewrites the query", async () => {
    const r = await ask("octopus", "Find the derivative of x^2 and the integral too");
    expect(r.headers.get("x-octoroute-model")).toBe("sim-large");
    expect(r.headers.get("x-octoroute-route-reason")).toContain("<nexa_1>");
    const records = r.summary().records;
    expect(records.map((x) => [x.model, x.purpose])).toEqual([
      ["sim-router", "router"],
      ["sim-large", "answer"],
    ]);
    expect(r.data.usage.prompt_tokens).toBe(records.reduce((s, x) => s + x.inputTokens, 0));
    expect(r.summary().routeScores!["sim-large"]).toBeGreaterThan(r.summary().routeScores!["sim-small"]!);
    const small = await ask("octopus", "say hello with a joke");
    expect(small.headers.get("x-octoroute-model")).toBe("sim-small");
  });

  it("falls back to the route default on garbage output", async () => {
    const r = await ask("octopus-bad", "Find the derivative of x^2");
    expect(r.headers.get("x-octoroute-model")).toBe("sim-large");
    expect(r.headers.get("x-octoroute-route-reason")).toContain("unparseable");
    expect(r.summary().records.map((x) => x.purpose)).toEqual(["router", "answer"]);
  });
});

describe("cascade router", () => {
  it("escalates on a low-confidence answer, with both attempts in usage", async () => {
    const r = await ask("cascade", "[conf=0.2] a hard question");
    expect(r.headers.get("x-octoroute-model")).toBe("sim-strong");
    expect(r.data.choices[0]!.message.content).toContain("sim-strong answers");
    const records = r.summary().records;
    expect(records.map((x) => [x.model, x.purpose])).toEqual([
      ["sim-cheap", "answer"],
      ["sim-strong", "answer"],
    ]);
    expect(r.data.usage.completion_tokens).toBe(records.reduce((s, x) => s + x.outputTokens, 0));
    expect(r.headers.get("x-octoroute-route-reason")).toMatch(/sim-cheap confidence 0.200 < 0.5/);
  });

  it("keeps a confident cheap answer", async () => {
    const r = await ask("cascade", "[conf=0.9] an easy question");
    expect(r.headers.get("x-octoroute-model")).toBe("sim-cheap");
    expect(r.summary().records.map((x) => x.model)).toEqual(["sim-cheap"]);
    expect((r.data.choices[0] as { logprobs?: unknown }).logprobs ?? null).toBeNull();
  });

  it("judges with a configured judge model (purpose judge)", async () => {
    const low = await ask("cascade-judge", "[conf=0.3] tricky");
    expect(low.summary().records.map((x) => x.purpose)).toEqual(["answer", "judge", "answer"]);
    expect(low.headers.get("x-octoroute-model")).toBe("sim-strong");
    const high = await ask("cascade-judge", "[conf=0.8] simple");
    expect(high.summary().records.map((x) => x.purpose)).toEqual(["answer", "judge"]);
  });

  it("streams: holds the cheap answer until judged, streams the escalated one, usage covers both", async () => {
    const stream = await stack.client().chat.completions.create({
      model: "cascade",
      messages: [{ role: "user", content: "[conf=0.1] stream a hard one" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain("sim-strong answers");
    expect(text).not.toContain("sim-cheap");
    const s = [...summaries.values()].at(-1)!;
    expect(s.records.map((x) => x.model)).toEqual(["sim-cheap", "sim-strong"]);
    expect(usage!.completion_tokens).toBe(s.records.reduce((a, x) => a + x.outputTokens, 0));
  });
});

describe("bandit router and /v1/feedback", () => {
  it("shifts traffic to the node that gets good feedback", async () => {
    for (let i = 0; i < 24; i++) {
      const r = await ask("bandit", `question number ${i}`);
      const node = r.headers.get("x-octoroute-model");
      const res = await post(stack, "/v1/feedback", { request_id: r.id, score: node === "sim-small" ? 1 : 0 });
      expect(res.status).toBe(200);
    }
    let good = 0;
    for (let i = 0; i < 20; i++) if ((await ask("bandit", `later question ${i}`)).headers.get("x-octoroute-model") === "sim-small") good++;
    expect(good).toBeGreaterThanOrEqual(17);
  });

  it("validates feedback: bad score → 400 naming it; unknown, repeated or foreign request → 404", async () => {
    const r = await ask("bandit", "rate me");
    const bad = await post(stack, "/v1/feedback", { request_id: r.id, score: 2 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("score");
    const foreign = await post(stack, "/v1/feedback", { request_id: r.id, score: 1 }, {}, KEY_B);
    expect(foreign.status).toBe(404);
    expect((await post(stack, "/v1/feedback", { request_id: r.id, score: 1 })).status).toBe(200);
    expect((await post(stack, "/v1/feedback", { request_id: r.id, score: 1 })).status).toBe(404);
    expect((await post(stack, "/v1/feedback", { request_id: "req_nope", score: 1 })).status).toBe(404);
  });
});
