/**
 * Prometheus `/metrics`: admin-only on the gateway (or keyless on its own listener), valid text
 * exposition format, and counters that agree with the ledger as read through the usage API after a
 * burst of mixed traffic (two tenants, streamed and buffered, embeddings, failures, an unpriced
 * model) — so a Grafana panel and the bill never tell different stories.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, KEY_A, KEY_B, type Stack, startStack } from "./helpers/stack.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text exposition format (0.0.4): every non-comment line must be a sample,
 * every sample must belong to a family declared by `# TYPE` before it. Throws on anything else.
 */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(m[3]!)) throw new Error(`bad type: ${line}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? "";
    let consumed = 0;
    for (const l of body.matchAll(LABEL)) {
      labels[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      consumed += l[0].length;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${line}`);
    const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== "NaN") throw new Error(`bad value: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

function sum(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

const metrics = async (s: Stack, key: string | null = ADMIN_KEY) =>
  fetch(`${s.gateway.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const models = cfg.models as Record<string, unknown>;
      models["sim-unpriced"] = { provider: "sim", upstreamModel: "sim-small" };
      const tenants = cfg.tenants as Record<string, Record<string, unknown>>;
      tenants["team-a"]!.budget = { usdPerDay: 5, usdPerMonth: 50 };
    },
  });
});
afterAll(() => stack?.close());

describe("/metrics access", () => {
  it("needs a key, and an admin one", async () => {
    expect((await metrics(stack, null)).status).toBe(401);
    const tenant = await metrics(stack, KEY_A);
    expect(tenant.status).toBe(403);
    expect(((await tenant.json()) as { error: { code: string } }).error.code).toBe("admin_key_required");
    const admin = await metrics(stack);
    expect(admin.status).toBe(200);
    expect(admin.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe("counters match the ledger", () => {
  beforeAll(async () => {
    const a = stack.client(KEY_A);
    const b = stack.client(KEY_B);
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 6; i++) jobs.push(a.chat.completions.create({ model: i % 2 ? "sim-small" : "sim-large", messages: [{ role: "user", content: `question ${i}` }] }));
    for (let i = 0; i < 3; i++) {
      jobs.push(
        (async () => {
          const stream = await a.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: `stream ${i}` }], stream: true, stream_options: { include_usage: true } });
          for await (const _ of stream) void _;
        })(),
      );
    }
    for (let i = 0; i < 4; i++) jobs.push(b.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: `team b ${i}` }] }));
    jobs.push(a.embeddings.create({ model: "sim-embed", input: ["alpha", "beta", "gamma"] }));
    jobs.push(a.completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 12 }));
    jobs.push(a.chat.completions.create({ model: "sim-unpriced", messages: [{ role: "user", content: "what does this cost?" }] }));
    // An upstream that keeps failing, fallback included: a 5xx the client sees.
    jobs.push(a.chat.completions.create({ model: "sim-flaky", messages: [{ role: "user", content: "fail" }] }, { headers: { "x-sim-fault": "500" } }).catch((e: unknown) => e));
    await Promise.all(jobs);
  });

  async function usageByTenant(): Promise<Map<string, { requests: number; input_tokens: number; output_tokens: number; cost_usd: number; unpriced_requests: number }>> {
    const res = await fetch(`${stack.gateway.url}/v1/usage?group_by=tenant`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ group: { tenant: string }; requests: number; input_tokens: number; output_tokens: number; cost_usd: number; unpriced_requests: number }> };
    return new Map(body.data.map((g) => [g.group.tenant, g]));
  }

  it("parses as Prometheus text with the GenAI instruments", async () => {
    const { samples, types } = parsePrometheus(await (await metrics(stack)).text());
    expect(types.get("gen_ai_client_token_usage")).toBe("histogram");
    expect(types.get("gen_ai_client_operation_duration")).toBe("histogram");
    expect(types.get("gen_ai_client_operation_time_to_first_chunk")).toBe("histogram");
    expect(types.get("gen_ai_client_operation_time_per_output_chunk")).toBe("histogram");
    expect(types.get("octoroute_cost_total")).toBe("counter");
    expect(types.get("octoroute_requests_total")).toBe("counter");
    expect(types.get("octoroute_budget_remaining")).toBe("gauge");
    // Histogram buckets are cumulative and end at +Inf == count.
    const series = samples.filter((s) => s.name === "gen_ai_client_operation_duration_bucket" && s.labels.gen_ai_request_model === "sim-large");
    for (let i = 1; i < series.length; i++) expect(series[i]!.value).toBeGreaterThanOrEqual(series[i - 1]!.value);
    expect(series.at(-1)!.labels.le).toBe("+Inf");
    expect(series.at(-1)!.value).toBe(sum(samples, "gen_ai_client_operation_duration_count", { gen_ai_request_model: "sim-large" }));
  });

  it("counts requests, tokens and cost per tenant exactly as the ledger does", async () => {
    const usage = await usageByTenant();
    const { samples } = parsePrometheus(await (await metrics(stack)).text());
    for (const tenant of ["team-a", "team-b"]) {
      const u = usage.get(tenant)!;
      expect(u.requests).toBeGreaterThan(0);
      expect(sum(samples, "octoroute_requests_total", { octoroute_tenant: tenant }), `${tenant} requests`).toBe(u.requests);
      expect(sum(samples, "gen_ai_client_token_usage_sum", { octoroute_tenant: tenant, gen_ai_token_type: "input" }), `${tenant} input`).toBe(u.input_tokens);
      expect(sum(samples, "gen_ai_client_token_usage_sum", { octoroute_tenant: tenant, gen_ai_token_type: "output" }), `${tenant} output`).toBe(u.output_tokens);
      expect(sum(samples, "octoroute_cost_total", { octoroute_tenant: tenant }), `${tenant} cost`).toBeCloseTo(u.cost_usd, 9);
    }
    expect(usage.get("team-a")!.requests).toBe(13); // 6 chats, 3 streams, embeddings, completions, unpriced, failed
    expect(usage.get("team-b")!.requests).toBe(4);
  });

  it("counts requests by status, and unpriced calls instead of a silent zero cost", async () => {
    const { samples } = parsePrometheus(await (await metrics(stack)).text());
    expect(sum(samples, "octoroute_requests_total", { octoroute_tenant: "team-a", http_response_status_code: "200" })).toBe(12);
    const failed = samples.filter((s) => s.name === "octoroute_requests_total" && Number(s.labels.http_response_status_code) >= 500);
    expect(failed.reduce((n, s) => n + s.value, 0)).toBe(1);
    expect(failed[0]!.labels.error_type).toBeTruthy();
    expect(sum(samples, "octoroute_calls_unpriced_total", { gen_ai_request_model: "sim-unpriced" })).toBe(1);
    expect(sum(samples, "octoroute_cost_total", { gen_ai_request_model: "sim-unpriced" })).toBe(0);
    expect((await usageByTenant()).get("team-a")!.unpriced_requests).toBe(1);
  });

  it("reports budget remaining from the same spend the budgets enforce", async () => {
    const res = await fetch(`${stack.gateway.url}/v1/usage/budgets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const budgets = (await res.json()) as { data: Array<{ tenant: string; spent_today_usd: number; spent_month_usd: number; reserved_usd: number }> };
    const a = budgets.data.find((d) => d.tenant === "team-a")!;
    expect(a.spent_today_usd).toBeGreaterThan(0);
    const { samples } = parsePrometheus(await (await metrics(stack)).text());
    const day = samples.find((s) => s.name === "octoroute_budget_remaining" && s.labels.octoroute_tenant === "team-a" && s.labels.octoroute_budget_period === "day")!;
    const month = samples.find((s) => s.name === "octoroute_budget_remaining" && s.labels.octoroute_tenant === "team-a" && s.labels.octoroute_budget_period === "month")!;
    expect(day.value).toBeCloseTo(5 - a.spent_today_usd - a.reserved_usd, 9);
    expect(month.value).toBeCloseTo(50 - a.spent_month_usd - a.reserved_usd, 9);
    // team-b has no budget: no series rather than a made-up one.
    expect(samples.some((s) => s.name === "octoroute_budget_remaining" && s.labels.octoroute_tenant === "team-b")).toBe(false);
  });

  it("never labels a series with a key or a request id", async () => {
    const text = await (await metrics(stack)).text();
    for (const secret of [KEY_A, KEY_B, ADMIN_KEY]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/request_id|req_[0-9a-f]{8}/);
  });
});

describe("separate metrics listener", () => {
  it("serves /metrics without a key on its own bind address, and not on the gateway", async () => {
    const s = await startStack({ patch: (cfg) => void (cfg.telemetry = { prometheus: { bind: { host: "127.0.0.1", port: 0 } } }) });
    try {
      await s.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "scrape me" }] });
      const url = s.gateway.telemetry.metricsUrl!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const { samples } = parsePrometheus(await res.text());
      expect(sum(samples, "octoroute_requests_total")).toBe(1);
      expect((await metrics(s)).status).toBe(404);
      expect((await fetch(url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
