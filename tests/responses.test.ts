/**
 * The Responses API through the gateway with the official `openai` SDK, translated onto the chat
 * pipeline in front of the sim: plain and streamed answers (`output_text`, events in order with
 * sequence numbers), function tools round trip, json_schema output, usage equal to what the
 * upstream served, and 400s that name the offending input item.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { zodTextFormat } from "openai/helpers/zod";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import type { RequestSummary } from "../src/api/hooks.js";
import { DEFAULT_SIM_MODELS } from "../src/sim/server.js";
import { STRATEGIES } from "../src/strategies/registry.js";
import { post, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const summaries: RequestSummary[] = [];
beforeAll(async () => {
  stack = await startStack({
    sim: { models: [...DEFAULT_SIM_MODELS, { name: "sim-trickle", ttftMs: 0, tokensPerSecond: 5 }] },
    hooks: { onRequestEnd: (s) => summaries.push(s) },
    patch: (cfg) => ((cfg.models as Record<string, unknown>)["sim-trickle"] = { provider: "sim", price: { input: 1, output: 1 } }),
  });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.sim.resetStats();
  summaries.length = 0;
});

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city", "days"] },
  strict: false,
};

describe("POST /v1/responses (translated to chat)", () => {
  it("answers with a message whose text is output_text, and usage equal to the upstream's", async () => {
    const { data: r, response } = await stack.client().responses.create({ model: "sim-small", input: "hello there", instructions: "Be brief." }).withResponse();
    expect(r.object).toBe("response");
    expect(r.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(r.status).toBe("completed");
    expect(r.instructions).toBe("Be brief.");
    const message = r.output[0]!;
    expect(message.type).toBe("message");
    if (message.type !== "message") throw new Error("expected a message");
    expect(message.role).toBe("assistant");
    expect(message.content[0]!.type).toBe("output_text");
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(r.output_text).toBe(message.content[0]!.type === "output_text" ? message.content[0]!.text : "");
    // Usage is what the upstream served, token for token.
    expect(r.usage!.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(r.usage!.output_tokens).toBe(stack.sim.stats.completionTokens);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    expect(response.headers.get("x-octoroute-model")).toBe("sim-small");
    // The same conversation as a chat completion reaches the upstream identically.
    const chat = await stack.client().chat.completions.create({
      model: "sim-small",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello there" },
      ],
    });
    expect(chat.choices[0]!.message.content).toBe(r.output_text);
    expect(chat.usage!.prompt_tokens).toBe(r.usage!.input_tokens);
    // The request is accounted as a Responses request.
    expect(summaries[0]!.endpoint).toBe("responses");
    expect(summaries[0]!.totals.usage.prompt_tokens).toBe(r.usage!.input_tokens);
  });

  it("streams the semantic events in order, numbered, ending with response.completed and usage", async () => {
    const stream = await stack.client().responses.create({ model: "sim-small", input: "stream please", stream: true });
    const events: Array<{ type: string; sequence_number: number; [k: string]: unknown }> = [];
    for await (const ev of stream) events.push(ev as never);
    const types = events.map((e) => e.type);
    const deltas = types.filter((t) => t === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThan(2);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(deltas).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta as string).join("");
    const done = events.find((e) => e.type === "response.output_text.done")!;
    expect(done.text).toBe(text);
    const completed = events.at(-1)!.response as { status: string; usage: { input_tokens: number; output_tokens: number }; output: unknown[]; id: string };
    expect(completed.status).toBe("completed");
    expect(completed.usage.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(completed.usage.output_tokens).toBe(stack.sim.stats.completionTokens);
    // Streaming and not give the same answer (deterministic sim), and the stream is stored.
    const plain = await stack.client().responses.create({ model: "sim-small", input: "stream please" });
    expect(plain.output_text).toBe(text);
    expect(plain.usage!.output_tokens).toBe(completed.usage.output_tokens);
    const stored = await stack.client().responses.retrieve(completed.id);
    expect(stored.output_text).toBe(text);
  });

  it("gives the SDK's stream helper a final response with output_text", async () => {
    const runner = stack.client().responses.stream({ model: "sim-small", input: "helper" });
    let deltas = "";
    runner.on("response.output_text.delta", (e) => (deltas += e.delta));
    const final = await runner.finalResponse();
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.output_text).toBe(deltas);
  });

  it("round-trips function tools: function_call out, function_call_output back in", async () => {
    const client = stack.client();
    const input = [{ role: "user" as const, content: "What's the weather in Paris?" }];
    const first = await client.responses.create({ model: "sim-small", input, tools: [weatherTool] });
    const call = first.output.find((o) => o.type === "function_call");
    if (!call || call.type !== "function_call") throw new Error("expected a function_call");
    expect(call.name).toBe("get_weather");
    expect(call.call_id.length).toBeGreaterThan(0);
    const args = JSON.parse(call.arguments);
    expect(typeof args.city).toBe("string");
    expect(Number.isInteger(args.days)).toBe(true);
    expect(first.output_text).toBe("");
    // Stateless: resend everything, including the model's own output items.
    const second = await client.responses.create({
      model: "sim-small",
      input: [...input, ...(first.output as ResponseInputItem[]), { type: "function_call_output", call_id: call.call_id, output: '{"temp": 21}' }],
      tools: [weatherTool],
    });
    expect(second.output[0]!.type).toBe("message");
    expect(second.output_text.length).toBeGreaterThan(0);
    // Stateful: only the tool output, continuing from the stored response.
    const third = await client.responses.create({
      model: "sim-small",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"temp": 21}' }],
      tools: [weatherTool],
    });
    expect(third.output_text).toBe(second.output_text);
    expect(third.usage!.input_tokens).toBe(second.usage!.input_tokens);
  });

  it("streams a function call as argument deltas", async () => {
    const stream = await stack.client().responses.create({ model: "sim-small", input: "weather?", tools: [weatherTool], stream: true });
    const events: Array<Record<string, unknown> & { type: string }> = [];
    for await (const ev of stream) events.push(ev as never);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.function_call_arguments.delta");
    const args = events.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => e.delta).join("");
    const done = events.find((e) => e.type === "response.function_call_arguments.done")!;
    expect(done.arguments).toBe(args);
    expect(done.name).toBe("get_weather");
    const final = events.at(-1)!.response as { output: Array<{ type: string; arguments: string; status: string }> };
    expect(final.output[0]!.type).toBe("function_call");
    expect(final.output[0]!.status).toBe("completed");
    expect(JSON.parse(final.output[0]!.arguments)).toEqual(JSON.parse(args));
  });

  it("produces json_schema output the schema describes", async () => {
    const r = await stack.client().responses.create({
      model: "sim-small",
      input: "Give me a city and a temperature.",
      text: {
        format: {
          type: "json_schema",
          name: "reading",
          strict: true,
          schema: { type: "object", properties: { city: { type: "string" }, temp: { type: "integer" } }, required: ["city", "temp"], additionalProperties: false },
        },
      },
    });
    const parsed = JSON.parse(r.output_text);
    expect(typeof parsed.city).toBe("string");
    expect(Number.isInteger(parsed.temp)).toBe(true);
    expect(r.text?.format?.type).toBe("json_schema");
    // The SDK's structured-output helper parses it against a zod schema.
    const Reading = z.object({ city: z.string(), temp: z.number().int(), sky: z.enum(["clear", "cloudy"]) });
    const helper = await stack.client().responses.parse({ model: "sim-small", input: "Reading?", text: { format: zodTextFormat(Reading, "reading") } });
    expect(Reading.parse(helper.output_parsed)).toEqual(helper.output_parsed);
  });

  it("marks a response cut by max_output_tokens as incomplete", async () => {
    const r = await stack.client().responses.create({ model: "sim-small", input: "long please", max_output_tokens: 2 });
    expect(r.status).toBe("incomplete");
    expect(r.incomplete_details?.reason).toBe("max_output_tokens");
    expect(r.usage!.output_tokens).toBe(2);
  });

  it("ends a stream that fails midway with response.failed and an error the SDK raises", async () => {
    const stream = await stack
      .client()
      .responses.create({ model: "sim-small", input: "this will break", stream: true }, { headers: { "x-sim-fault": "truncate" } });
    const seen: string[] = [];
    const failure = await (async () => {
      try {
        for await (const ev of stream) seen.push(ev.type);
      } catch (err) {
        return err as { status?: number; message: string };
      }
      return null;
    })();
    expect(failure).not.toBeNull();
    expect(seen[0]).toBe("response.created");
    expect(seen).toContain("response.failed");
    expect(seen).not.toContain("response.completed");
  });

  it("cancels the upstream when the client leaves mid-stream, and stores nothing", async () => {
    const requestId = `resp-abort-${Date.now()}`;
    const stream = await stack.client().responses.create({ model: "sim-trickle", input: "slowly", stream: true }, { headers: { "x-request-id": requestId } });
    let id = "";
    let deltas = 0;
    for await (const ev of stream) {
      if (ev.type === "response.created") id = ev.response.id;
      if (ev.type === "response.output_text.delta" && ++deltas === 2) {
        stream.controller.abort();
        break;
      }
    }
    await vi.waitFor(() => expect(stack.sim.stats.cancelled).toContain(requestId), { timeout: 5000, interval: 5 });
    await vi.waitFor(() => expect(summaries.find((s) => s.requestId === requestId)?.status).toBe(499));
    await expect(stack.client().responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
  });
});

describe("routes and strategies through /v1/responses", () => {
  it("resolves a route like chat does, with usage equal to the upstream's", async () => {
    const { data: r, response } = await stack.client().responses.create({ model: "fast", input: "route me" }).withResponse();
    expect(response.headers.get("x-octoroute-route")).toBe("fast");
    expect(response.headers.get("x-octoroute-model")).toBe("sim-fast");
    expect(stack.sim.stats.byModel["sim-fast"]).toBe(1);
    expect(r.usage!.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(r.usage!.output_tokens).toBe(stack.sim.stats.completionTokens);
    expect(summaries[0]!.route).toBe("fast");
  });

  // Multi-call strategies live in their own module; this runs whenever self-consistency is registered.
  it.runIf(STRATEGIES.has("self-consistency"))("runs a multi-call strategy, usage = the sum of every upstream call (stream and not)", async () => {
    const body = { model: "sim-small", input: "What is 2+2?", octoroute: { strategy: "self-consistency", n: 3 } };
    const { data: r, response } = await stack.client().responses.create(body as never as { model: string; input: string }).withResponse();
    expect(response.headers.get("x-octoroute-strategy")).toBe("self-consistency");
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(summaries[0]!.strategy).toBe("self-consistency");
    expect(r.usage!.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(r.usage!.output_tokens).toBe(stack.sim.stats.completionTokens);
    // Several samples were paid for, not one answer.
    stack.sim.resetStats();
    await stack.client().responses.create({ model: "sim-small", input: "What is 2+2?" });
    expect(r.usage!.output_tokens).toBeGreaterThan(stack.sim.stats.completionTokens);
    stack.sim.resetStats();
    const stream = await stack.client().responses.create({ ...body, stream: true } as never as { model: string; input: string; stream: true });
    let completed: { usage: { input_tokens: number; output_tokens: number } } | undefined;
    let text = "";
    for await (const ev of stream) {
      if (ev.type === "response.output_text.delta") text += ev.delta;
      if (ev.type === "response.completed") completed = ev.response as never;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(completed!.usage.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(completed!.usage.output_tokens).toBe(stack.sim.stats.completionTokens);
  });
});

describe("validation", () => {
  it("names the malformed input item's path in a 400", async () => {
    const res = await post(stack, "/v1/responses", {
      model: "sim-small",
      input: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "output_text", text: "hello" }] },
        { role: "user", content: [{ type: "input_txt", text: "oops" }] },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; type: string; message: string } };
    expect(body.error.param).toBe("input[2].content[0].type");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("input[2].content[0].type");
  });

  it("names a missing function_call field and rejects unsupported tools and features", async () => {
    const missing = await post(stack, "/v1/responses", { model: "sim-small", input: [{ type: "function_call", call_id: "c1", name: "f" }] });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe("input[0].arguments");
    const hosted = await post(stack, "/v1/responses", { model: "sim-small", input: "x", tools: [{ type: "web_search" }] });
    expect(hosted.status).toBe(400);
    expect(((await hosted.json()) as { error: { param: string } }).error.param).toBe("tools[0].type");
    const background = await post(stack, "/v1/responses", { model: "sim-small", input: "x", background: true });
    expect(background.status).toBe(400);
    expect(((await background.json()) as { error: { param: string } }).error.param).toBe("background");
    await expect(stack.client().responses.create({ model: "no-such-model", input: "x" })).rejects.toMatchObject({ status: 404 });
  });
});
