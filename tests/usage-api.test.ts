/**
 * `GET /v1/usage`: totals and groups from the ledger, and tenant isolation both ways — the admin
 * key sees every tenant, a tenant key only its own, whatever it asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, KEY_A, KEY_B, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const spent: Record<string, { cost: number; requests: number; input: number; output: number }> = {
  "team-a": { cost: 0, requests: 0, input: 0, output: 0 },
  "team-b": { cost: 0, requests: 0, input: 0, output: 0 },
};

interface Totals {
  requests: number;
  errors: number;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  latency_ms: { p50: number | null; p95: number | null };
}
interface UsageBody {
  object: string;
  tenant: string | null;
  group_by: string[];
  totals: Totals;
  data: Array<Totals & { group: Record<string, string | null> }>;
}

async function usage(key: string | null, query = ""): Promise<{ status: number; body: UsageBody & { error?: { code: string; param: string | null } } }> {
  const res = await fetch(`${stack.gateway.url}/v1/usage${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as never };
}

beforeAll(async () => {
  stack = await startStack();
  const calls: Array<[string, string, string]> = [
    [KEY_A, "team-a", "sim-small"],
    [KEY_A, "team-a", "sim-large"],
    [KEY_A, "team-a", "sim-large"],
    [KEY_A, "team-a", "fast"],
    [KEY_B, "team-b", "sim-small"],
    [KEY_B, "team-b", "fast"],
  ];
  for (const [key, tenant, model] of calls) {
    const { data, response } = await stack.client(key).chat.completions.create({ model, messages: [{ role: "user", content: `usage for ${model}` }] }).withResponse();
    const t = spent[tenant]!;
    t.cost += Number(response.headers.get("x-octoroute-cost-usd"));
    t.requests++;
    t.input += data.usage!.prompt_tokens;
    t.output += data.usage!.completion_tokens;
  }
});
afterAll(() => stack?.close());

describe("usage API", () => {
  it("needs a key", async () => {
    expect((await usage(null)).status).toBe(401);
  });

  it("gives a tenant key its own totals only", async () => {
    const { status, body } = await usage(KEY_B);
    expect(status).toBe(200);
    expect(body.tenant).toBe("team-b");
    expect(body.totals).toMatchObject({ requests: 2, errors: 0, calls: 2, input_tokens: spent["team-b"]!.input, output_tokens: spent["team-b"]!.output });
    expect(body.totals.cost_usd).toBeCloseTo(spent["team-b"]!.cost, 12);
    expect(body.totals.latency_ms.p95!).toBeGreaterThanOrEqual(body.totals.latency_ms.p50!);
    // Grouping by tenant still shows only itself.
    const grouped = await usage(KEY_B, "?group_by=tenant");
    expect(grouped.body.data.map((g) => g.group.tenant)).toEqual(["team-b"]);
  });

  it("refuses a tenant key asking for another tenant", async () => {
    const { status, body } = await usage(KEY_A, "?tenant=team-b");
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ code: "permission_denied", param: "tenant" });
  });

  it("gives the admin key every tenant, and filters on request", async () => {
    const all = await usage(ADMIN_KEY, "?group_by=tenant");
    expect(all.status).toBe(200);
    expect(all.body.tenant).toBeNull();
    const byTenant = Object.fromEntries(all.body.data.map((g) => [g.group.tenant, g]));
    for (const t of ["team-a", "team-b"]) {
      expect(byTenant[t]!.requests).toBe(spent[t]!.requests);
      expect(byTenant[t]!.cost_usd).toBeCloseTo(spent[t]!.cost, 12);
    }
    expect(all.body.totals.requests).toBe(6);
    const onlyA = await usage(ADMIN_KEY, "?tenant=team-a");
    expect(onlyA.body.totals.requests).toBe(4);
  });

  it("groups by model, route and strategy, and by day and hour", async () => {
    const byModel = await usage(KEY_A, "?group_by=model");
    expect(Object.fromEntries(byModel.body.data.map((g) => [g.group.model, g.requests]))).toEqual({ "sim-fast": 1, "sim-large": 2, "sim-small": 1 });
    const byRoute = await usage(KEY_A, "?group_by=route");
    expect(Object.fromEntries(byRoute.body.data.map((g) => [g.group.route ?? "(none)", g.requests]))).toEqual({ "(none)": 3, fast: 1 });
    const byStrategy = await usage(KEY_A, "?group_by=strategy");
    expect(byStrategy.body.data).toHaveLength(1);
    expect(byStrategy.body.data[0]!.group.strategy).toBe("none");
    const now = new Date();
    const byDayModel = await usage(ADMIN_KEY, "?group_by=day,model");
    expect(byDayModel.body.data.every((g) => g.group.day === now.toISOString().slice(0, 10))).toBe(true);
    expect(byDayModel.body.data.reduce((n, g) => n + g.requests, 0)).toBe(6);
    const byHour = await usage(ADMIN_KEY, "?group_by=hour");
    expect(byHour.body.data.at(-1)!.group.hour).toBe(`${now.toISOString().slice(0, 13)}:00Z`);
  });

  it("honours the time window", async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    const empty = await usage(ADMIN_KEY, `?from=${future}&to=${future + 60}`);
    expect(empty.body.totals.requests).toBe(0);
    expect(empty.body.data).toEqual([]);
    const iso = await usage(ADMIN_KEY, `?from=${new Date(Date.now() - 3_600_000).toISOString()}`);
    expect(iso.body.totals.requests).toBe(6);
  });

  it("names the parameter of a bad query in a 400", async () => {
    for (const [query, param] of [
      ["?group_by=colour", "group_by"],
      ["?from=yesterday-ish", "from"],
      ["?from=2000&to=1000", "from"],
      ["?limit=5&colour=red", "colour"],
    ] as const) {
      const { status, body } = await usage(ADMIN_KEY, query);
      expect(status, query).toBe(400);
      expect(body.error!.param, query).toBe(param);
    }
  });

  it("lists the most expensive requests, a tenant's own only", async () => {
    const res = await fetch(`${stack.gateway.url}/v1/usage/requests?limit=3`, { headers: { authorization: `Bearer ${KEY_B}` } });
    const { data } = (await res.json()) as { data: Array<{ tenant: string; cost_usd: number }> };
    expect(data.length).toBe(2);
    expect(data.every((r) => r.tenant === "team-b")).toBe(true);
    expect(data[0]!.cost_usd).toBeGreaterThanOrEqual(data[1]!.cost_usd);
    const admin = await fetch(`${stack.gateway.url}/v1/usage/requests?limit=1`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const top = ((await admin.json()) as { data: Array<{ model: string }> }).data;
    expect(top).toHaveLength(1);
    expect(top[0]!.model).toBe("sim-large");
  });
});
