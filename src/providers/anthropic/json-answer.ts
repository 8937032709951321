/**
 * `response_format` for Anthropic models. The Messages API has no JSON mode, but a tool's input
 * is JSON that follows the tool's `input_schema`. So a `json_schema` (or `json_object`) request
 * gets one extra tool whose input is the answer, and Claude is made to call it. The call is turned
 * back into the assistant message's content (a JSON string) with `finish_reason: "stop"`, which
 * is what a client that asked for `response_format` expects: the SDKs' `parse` helpers,
 * `generateObject` in the AI SDK.
 *
 * - **The answer tool** is named after `json_schema.name` (sanitised; `json_answer` by default).
 * - **A schema whose root is not an object** (an array, a string) is wrapped as
 *   `{ value: schema }`, because `input_schema` must be an object; the answer is unwrapped.
 *   `$defs` / `definitions` move to the wrapper's root, so `#/$defs/...` references still resolve.
 * - **With tools of the client's own** and `tool_choice` auto or required, Claude must call some
 *   tool (`any`): one of the client's, answered as a normal tool call, or the answer tool.
 *   `none` drops the client's tools for this turn. A named function choice is kept, and the answer
 *   tool comes in a later turn.
 * - **With extended thinking** (`thinking` passed through), Anthropic refuses a forced tool choice:
 *   the answer tool is offered with `auto` and the system prompt asks for it (`request.ts`).
 */
import type { ChatRequest } from "../../api/schemas.js";
import { invalidParam } from "../../api/errors.js";
import type { RequestTool, RequestToolChoice } from "./wire.js";

export interface JsonAnswer {
  /** Name of the answer tool. */
  name: string;
  /** The schema was wrapped as `{ value: schema }`: the answer is `input.value`. */
  wrapped: boolean;
  tool: RequestTool;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The answer tool a request's `response_format` asks for; undefined for text (or none). */
export function jsonAnswerOf(req: ChatRequest): JsonAnswer | undefined {
  const format = req.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type !== "json_object" && format.type !== "json_schema") {
    throw invalidParam("response_format", `response_format "${format.type}" is not supported for Anthropic models; use "json_schema", "json_object" or "text".`);
  }
  const taken = new Set((req.tools ?? []).map((t) => (t.function as { name?: unknown } | undefined)?.name));
  const spec = format.type === "json_schema" && isRecord(format.json_schema) ? format.json_schema : undefined;
  if (format.type === "json_schema" && !isRecord(spec?.schema)) throw invalidParam("response_format.json_schema.schema", "response_format.json_schema.schema must be a JSON Schema object.");
  let name = typeof spec?.name === "string" && spec.name ? spec.name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) : "json_answer";
  while (taken.has(name)) name = `answer_${name}`.slice(0, 64);
  const schema = (spec?.schema as Record<string, unknown> | undefined) ?? { type: "object" };
  // Anything but a plain object root (arrays, unions, `$ref`s, scalars) is wrapped.
  const objectRoot = schema.type === "object" || (schema.type === undefined && isRecord(schema.properties));
  let inputSchema: Record<string, unknown> = schema;
  if (!objectRoot) {
    const { $defs, definitions, ...inner } = schema;
    inputSchema = { type: "object", properties: { value: inner }, required: ["value"], additionalProperties: false, ...($defs ? { $defs } : {}), ...(definitions ? { definitions } : {}) };
  }
  const what = typeof spec?.description === "string" ? ` ${spec.description}` : "";
  return {
    name,
    wrapped: !objectRoot,
    tool: { name, description: `Give your final answer by calling this tool: its input is the answer.${what}`, input_schema: inputSchema },
  };
}

/** The tool choice that makes Claude answer through the answer tool, given the client's own. */
export function answerToolChoice(answer: JsonAnswer, clientTools: number, clientChoice: RequestToolChoice | undefined): RequestToolChoice {
  if (!clientTools || clientChoice?.type === "none") return { type: "tool", name: answer.name };
  if (clientChoice?.type === "tool") return clientChoice;
  return { type: "any", ...(clientChoice && "disable_parallel_tool_use" in clientChoice ? { disable_parallel_tool_use: clientChoice.disable_parallel_tool_use } : {}) };
}

/** The answer tool's input as the message content. */
export function answerText(input: unknown, answer: JsonAnswer): string {
  const value = answer.wrapped && isRecord(input) ? input.value : input;
  return JSON.stringify(value ?? {});
}
