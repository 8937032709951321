/**
 * Anthropic's error format as data. Anthropic wraps every failure as
 * `{type: "error", error: {type, message}, request_id?}`, both as an HTTP error body and as an
 * `error` event inside a stream; the status mapping and credential redaction stay in
 * `providers/errors.ts`, so this file only says where the message is and which HTTP status an
 * in-stream error type would have had.
 */
import type { GatewayError } from "../../api/errors.js";
import { type ErrorFormat, upstreamHttpError } from "../errors.js";

interface AnthropicErrorBody {
  type?: unknown;
  error?: { type?: unknown; message?: unknown };
}

/** `error.type: error.message`, so a client sees e.g. `overloaded_error: Overloaded`. */
export const anthropicErrorFormat: ErrorFormat = {
  toMessage(body) {
    const err = (body as AnthropicErrorBody | null)?.error;
    if (!err || typeof err !== "object") return undefined;
    const message = typeof err.message === "string" ? err.message : undefined;
    const type = typeof err.type === "string" ? err.type : undefined;
    if (message && type) return `${type}: ${message}`;
    return message ?? type;
  },
};

/** The HTTP status Anthropic documents for each error type (used for errors sent mid-stream). */
const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * An `error` event received inside a stream → the GatewayError the same error would have given
 * as an HTTP response (so `overloaded_error` is a retryable 503 either way).
 */
export function streamErrorEvent(providerId: string, data: string, secrets: Array<string | undefined>): GatewayError {
  let type: string | undefined;
  try {
    const t = (JSON.parse(data) as AnthropicErrorBody).error?.type;
    if (typeof t === "string") type = t;
  } catch {
    /* unparseable error event: treated as a generic upstream error below */
  }
  const status = (type && STATUS_BY_TYPE[type]) || 500;
  return upstreamHttpError(providerId, status, data, anthropicErrorFormat, { secrets });
}
