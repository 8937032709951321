/**
 * Structured outputs end to end, as a client writes them: the official SDK's zod helpers
 * (`chat.completions.parse` with `zodResponseFormat`, a `zodFunction` tool, the Responses API's
 * `zodTextFormat`) through the gateway to the sim, which answers with JSON that satisfies the
 * schema (nested objects, arrays of objects, enums, nullable fields, bounds, `$ref`s). The SDK
 * validates the answer with the same zod schema, so a wrong shape fails here.
 */
import { zodFunction, zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { sampleFromSchema } from "../src/sim/schema-sample.js";
import { rng } from "../src/sim/random.js";
import { type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const Step = z.object({ explanation: z.string(), output: z.string() });
const Answer = z.object({
  steps: z.array(Step).min(1).max(4),
  final: z.object({ value: z.number().int().min(0).max(10), unit: z.enum(["cm", "m", "km"]) }),
  confidence: z.number().min(0).max(1),
  note: z.string().nullable(),
  tags: z.array(z.string()),
});

describe("structured outputs through the gateway", () => {
  it("chat.completions.parse gets a value of the zod schema", async () => {
    const completion = await stack.client().chat.completions.parse({
      model: "sim-small",
      messages: [{ role: "user", content: "Solve it step by step." }],
      response_format: zodResponseFormat(Answer, "answer"),
    });
    const parsed = completion.choices[0]!.message.parsed;
    expect(parsed).not.toBeNull();
    expect(Answer.parse(parsed)).toEqual(parsed);
    expect(parsed!.steps.length).toBeGreaterThanOrEqual(1);
  });

  it("a zod function tool gets arguments of its schema", async () => {
    const Lookup = z.object({ city: z.string(), days: z.number().int().min(1).max(7), units: z.enum(["metric", "imperial"]), filters: z.array(z.object({ kind: z.string(), min: z.number().nullable() })) });
    const completion = await stack.client().chat.completions.parse({
      model: "sim-small",
      messages: [{ role: "user", content: "Weather for the week?" }],
      tools: [zodFunction({ name: "forecast", parameters: Lookup })],
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    const args = (call as { function: { parsed_arguments: unknown } }).function.parsed_arguments;
    expect(Lookup.parse(args)).toEqual(args);
  });

  it("the Responses API's zodTextFormat gets a parsed value", async () => {
    const response = await stack.client().responses.parse({ model: "sim-small", input: "Solve it.", text: { format: zodTextFormat(Answer, "answer") } });
    expect(Answer.parse(response.output_parsed)).toEqual(response.output_parsed);
  });
});

describe("the sim's schema sampler", () => {
  it("follows $ref into $defs, unions, allOf, bounds and formats", () => {
    const schema = {
      type: "object",
      $defs: { Node: { type: "object", properties: { name: { type: "string", minLength: 12 }, child: { anyOf: [{ $ref: "#/$defs/Node" }, { type: "null" }] } }, required: ["name", "child"] } },
      properties: {
        root: { $ref: "#/$defs/Node" },
        when: { type: "string", format: "date-time" },
        mail: { type: "string", format: "email" },
        kind: { const: "fixed" },
        both: { allOf: [{ type: "object", properties: { a: { type: "integer", minimum: 5, maximum: 6 } } }, { properties: { b: { type: "boolean" } }, required: ["b"] }] },
        list: { type: "array", items: { type: "number", minimum: 1, maximum: 2 }, minItems: 2, maxItems: 2 },
        maybe: { type: ["integer", "null"], minimum: 3, maximum: 3 },
      },
    };
    const v = sampleFromSchema(schema, rng(7)) as Record<string, any>;
    expect(v.root.name.length).toBeGreaterThanOrEqual(12);
    expect(Number.isNaN(Date.parse(v.when))).toBe(false);
    expect(v.mail).toMatch(/^[^@]+@example\.com$/);
    expect(v.kind).toBe("fixed");
    expect([5, 6]).toContain(v.both.a);
    expect(typeof v.both.b).toBe("boolean");
    expect(v.list).toHaveLength(2);
    expect(v.list.every((x: number) => x >= 1 && x <= 2)).toBe(true);
    expect(v.maybe).toBe(3);
    // A recursive schema still ends.
    let depth = 0;
    for (let n = v.root; n; n = n.child) depth++;
    expect(depth).toBeGreaterThan(1);
    expect(depth).toBeLessThan(12);
  });
});
