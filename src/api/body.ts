/**
 * Reads and validates a JSON request body: size limit (413), JSON syntax (400), schema (400 naming
 * the first offending parameter). Never a 500 for anything a client sends.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { GatewayError, invalidParam } from "./errors.js";
import { formatIssuePath } from "./schemas.js";

export async function readJson(c: Context, limitBytes: number): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw new GatewayError("Could not read the request body.", { status: 400, code: "invalid_body" });
  }
  // Characters can be up to 3 bytes in UTF-16→UTF-8 terms; check the exact size only when close.
  if (text.length > limitBytes / 3 && new TextEncoder().encode(text).length > limitBytes) throw tooLarge(limitBytes);
  if (text.trim() === "") throw new GatewayError("The request body is empty; expected a JSON object.", { status: 400, code: "invalid_json" });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError(`The request body is not valid JSON: ${(err as Error).message}`, { status: 400, code: "invalid_json" });
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(`The request body exceeds the limit of ${limit} bytes.`, { status: 413, code: "request_too_large" });
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("The request body must be a JSON object.", { status: 400, code: "invalid_request" });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = formatIssuePath(issue.path);
  const missing = issue.code === "invalid_type" && (value as Record<string, unknown>)[String(issue.path[0])] === undefined && issue.path.length === 1;
  const message = missing ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${issue.message}`;
  throw invalidParam(param || "body", message, missing ? "missing_required_parameter" : "invalid_parameter");
}
