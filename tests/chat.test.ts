/** Chat completions through the gateway with the official SDK: plain, streamed, tools, usage. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A, KEY_B, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

describe("chat completions", () => {
  it("answers a chat and reports what answered and what it cost", async () => {
    const { data, response } = await stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "hello there" }] }).withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get("x-octoroute-model")).toBe("sim-small");
    const cost = Number(response.headers.get("x-octoroute-cost-usd"));
    expect(cost).toBeCloseTo((data.usage!.prompt_tokens * 0.15 + data.usage!.completion_tokens * 0.6) / 1e6, 12);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("echoes the client's x-request-id", async () => {
    const { response } = await stack
      .client()
      .chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": "my-trace-123" } })
      .withResponse();
    expect(response.headers.get("x-request-id")).toBe("my-trace-123");
  });

  it("forwards a slow stream as it arrives, not at its end", async () => {
    // Each upstream chunk 60 ms apart: events that arrive together may share a write, but none waits for the next.
    const stream = await stack
      .client()
      .chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "stream slowly" }], stream: true, max_tokens: 6 }, { headers: { "x-sim-fault": "slow-drip;ms=60" } });
    const started = Date.now();
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(Date.now() - started);
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // Spread over the upstream's pace: the first content well before the last.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(60 * (arrivals.length - 2));
  });

  it("sends the request id on streams, on completions streams and on errors too", async () => {
    const base = `${stack.gateway.url}/v1`;
    const headers = { authorization: `Bearer ${KEY_A}`, "content-type": "application/json", "x-request-id": "trace-stream-1" };
    const chat = await fetch(`${base}/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "sim-small", messages: [{ role: "user", content: "hi" }], stream: true }) });
    expect(chat.headers.get("x-request-id")).toBe("trace-stream-1");
    await chat.text();
    const completion = await fetch(`${base}/completions`, { method: "POST", headers, body: JSON.stringify({ model: "sim-small", prompt: "hi", stream: true }) });
    expect(completion.headers.get("x-request-id")).toBe("trace-stream-1");
    await completion.text();
    const bad = await fetch(`${base}/chat/completions`, { method: "POST", headers, body: "{" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-request-id")).toBe("trace-stream-1");
    const unknown = await fetch(`${base}/nowhere`, { headers });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-request-id")).toBe("trace-stream-1");
    // Every model endpoint, streamed or not, and the other routes.
    const bodies: Array<[string, unknown]> = [
      ["/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "hi" }] }],
      ["/completions", { model: "sim-small", prompt: "hi" }],
      ["/embeddings", { model: "sim-embed", input: "hi" }],
      ["/responses", { model: "sim-small", input: "hi" }],
      ["/responses", { model: "sim-small", input: "hi", stream: true }],
    ];
    for (const [path, body] of bodies) {
      const res = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      expect([path, res.status]).toEqual([path, 200]);
      expect([path, res.headers.get("x-request-id")]).toEqual([path, "trace-stream-1"]);
      await res.text();
    }
    const models = await fetch(`${base}/models`, { headers });
    expect(models.headers.get("x-request-id")).toBe("trace-stream-1");
    const health = await fetch(`${stack.gateway.url}/healthz`, { headers: { "x-request-id": "trace-stream-1" } });
    expect(health.headers.get("x-request-id")).toBe("trace-stream-1");
  });

  it("streams chunks and ends with the usage chunk when asked", async () => {
    const stream = await stack.client().chat.completions.create({
      model: "sim-small",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text.length).toBeGreaterThan(0);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    // Same request without streaming gives the same content (deterministic sim).
    const plain = await stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "stream please" }] });
    expect(plain.choices[0]!.message.content).toBe(text);
    expect(plain.usage!.completion_tokens).toBe(usage!.completion_tokens);
  });

  it("strips the upstream usage chunk when the client did not ask for it", async () => {
    const stream = await stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "no usage" }], stream: true });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();
  });

  it("reassembles streamed tool-call deltas through the SDK", async () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } } } } }];
    const runner = stack.client().chat.completions.stream({ model: "sim-small", messages: [{ role: "user", content: "weather?" }], tools });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    const args = JSON.parse(call.type === "function" ? call.function.arguments : "{}");
    expect(typeof args.city).toBe("string");
    expect(Number.isInteger(args.days)).toBe(true);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("passes logprobs, n and unknown fields through", async () => {
    const res = await stack.client().chat.completions.create({
      model: "sim-small",
      messages: [{ role: "user", content: "lp" }],
      logprobs: true,
      top_logprobs: 3,
      n: 2,
      temperature: 1,
      // @ts-expect-error unknown field, forwarded as is
      some_vendor_field: { a: 1 },
    });
    expect(res.choices).toHaveLength(2);
    const lp = res.choices[0]!.logprobs!.content!;
    expect(lp.length).toBeGreaterThan(0);
    expect(lp[0]!.top_logprobs).toHaveLength(3);
  });

  it("lists only the models and routes the tenant may use", async () => {
    const a = (await stack.client().models.list()).data.map((m) => m.id).sort();
    expect(a).toEqual(expect.arrayContaining(["sim-small", "sim-large", "fast"]));
    const b = (await stack.client(KEY_B).models.list()).data.map((m) => m.id).sort();
    expect(b).toEqual(["fast", "sim-small"]);
  });

  it("serves completions with logprobs and embeddings", async () => {
    const comp = await stack.client().completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 5, logprobs: 2 });
    expect(comp.choices[0]!.logprobs!.tokens!.length).toBe(comp.usage!.completion_tokens);
    const emb = await stack.client().embeddings.create({ model: "sim-embed", input: ["a b c", "d e"] });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0]!.embedding.length).toBe(64);
    expect(emb.usage.prompt_tokens).toBeGreaterThan(0);
  });
});
