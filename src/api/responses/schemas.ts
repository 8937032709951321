/**
 * Request schema of `POST /v1/responses`. Strict on what the gateway translates (a malformed input
 * item is a 400 naming its path, `input[2].content[0].type`), lenient elsewhere: unknown fields
 * are preserved and forwarded to upstreams that understand them.
 */
import { z } from "zod";
import { invalidParam } from "../errors.js";
import { formatIssuePath } from "../schemas.js";

const nullish = <T extends z.ZodType>(s: T) => s.nullable().optional();

const inputText = z.looseObject({ type: z.literal("input_text"), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal("input_image"),
  image_url: nullish(z.string()),
  file_id: nullish(z.string()),
  detail: nullish(z.enum(["low", "high", "auto"])),
});
const inputFile = z.looseObject({
  type: z.literal("input_file"),
  file_data: z.string().optional(),
  file_id: nullish(z.string()),
  file_url: z.string().optional(),
  filename: z.string().optional(),
});
const outputText = z.looseObject({ type: z.literal("output_text"), text: z.string() });
const refusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });

export const contentPartSchema = z.discriminatedUnion("type", [inputText, inputImage, inputFile, outputText, refusal]);
export type ContentPart = z.infer<typeof contentPartSchema>;

const messageItem = z.looseObject({
  type: z.literal("message"),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(contentPartSchema)]),
  id: z.string().optional(),
  status: z.string().optional(),
});

const functionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().optional(),
  status: z.string().optional(),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(contentPartSchema)]),
  id: nullish(z.string()),
  status: nullish(z.string()),
});

const itemReference = z.looseObject({ type: z.literal("item_reference"), id: z.string().min(1) });

/** Reasoning items from earlier turns; accepted (clients send them back) and not forwarded on translation. */
const reasoningItem = z.looseObject({ type: z.literal("reasoning") });

/** An input item; a bare `{role, content}` is a message (OpenAI's "easy input message"). */
export const inputItemSchema = z.preprocess(
  (v) => (v && typeof v === "object" && !Array.isArray(v) && !("type" in v) && "role" in v ? { ...v, type: "message" } : v),
  z.discriminatedUnion("type", [messageItem, functionCallItem, functionCallOutputItem, itemReference, reasoningItem]),
);
export type InputItem = z.infer<typeof inputItemSchema>;
export type MessageItem = z.infer<typeof messageItem>;
export type FunctionCallInput = z.infer<typeof functionCallItem>;
export type FunctionCallOutputInput = z.infer<typeof functionCallOutputItem>;

const textFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: nullish(z.boolean()),
  }),
]);

const toolSchema = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
});

export const responsesRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
    instructions: nullish(z.string()),
    tools: z.array(toolSchema).optional(),
    tool_choice: z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.string(), name: z.string().optional() })]).optional(),
    text: nullish(z.looseObject({ format: textFormatSchema.optional() })),
    temperature: nullish(z.number().min(0).max(2)),
    top_p: nullish(z.number().min(0).max(1)),
    max_output_tokens: nullish(z.number().int().min(1)),
    metadata: nullish(z.record(z.string(), z.string().max(512))),
    parallel_tool_calls: nullish(z.boolean()),
    store: nullish(z.boolean()),
    previous_response_id: nullish(z.string().min(1)),
    stream: nullish(z.boolean()),
    user: z.string().optional(),
    top_logprobs: nullish(z.number().int().min(0).max(20)),
    reasoning: nullish(z.looseObject({ effort: nullish(z.string()) })),
    octoroute: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((req, ctx) => {
    req.tools?.forEach((tool, i) => {
      if (tool.type === "function" && !tool.name) ctx.addIssue({ code: "custom", path: ["tools", i, "name"], message: "a function tool needs a name" });
    });
    if (req.input === undefined && !req.previous_response_id) {
      ctx.addIssue({ code: "custom", path: ["input"], message: "input is required (unless previous_response_id is given)" });
    }
  });
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

type Issue = z.core.$ZodIssue;

/**
 * The issue to report: inside a union (a string or a list of items), the branch that got furthest
 * names the real problem (`input[2].content[0].type`), not the union itself (`input`).
 */
function deepestIssue(issue: Issue, prefix: ReadonlyArray<PropertyKey> = []): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return { issue, path };
  let best: { issue: Issue; path: PropertyKey[] } = { issue, path };
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const found = deepestIssue(inner, path);
      if (found.path.length > best.path.length) best = found;
    }
  }
  return best;
}

/** Validates a request body; a failure is a 400 naming the deepest offending path. */
export function parseResponsesRequest(value: unknown): ResponsesRequest {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw invalidParam("body", "The request body must be a JSON object.", "invalid_request");
  }
  const result = responsesRequestSchema.safeParse(value);
  if (result.success) return result.data;
  const { issue, path } = deepestIssue(result.error.issues[0]!);
  const param = formatIssuePath(path) || "body";
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  const message = missing ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${issue.message}`;
  throw invalidParam(param, message, missing ? "missing_required_parameter" : "invalid_parameter");
}
