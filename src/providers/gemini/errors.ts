/**
 * Gemini's error format as data: Google APIs answer `{error: {code, message, status}}`, over
 * HTTP and (rarely) as a `data:` event inside a stream. Status mapping and redaction stay in
 * `providers/errors.ts`.
 */
import type { GatewayError } from "../../api/errors.js";
import { type ErrorFormat, upstreamHttpError } from "../errors.js";

interface GoogleErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown } | unknown[];
}

/** Google sometimes wraps the body in a one-element array; both shapes are read. */
function errorOf(body: unknown): { code?: unknown; message?: unknown; status?: unknown } | undefined {
  const b = Array.isArray(body) ? body[0] : body;
  const err = (b as GoogleErrorBody | null)?.error;
  return err && typeof err === "object" && !Array.isArray(err) ? err : undefined;
}

/** `STATUS: message`, e.g. `RESOURCE_EXHAUSTED: Quota exceeded`. */
export const geminiErrorFormat: ErrorFormat = {
  toMessage(body) {
    const err = errorOf(body);
    if (!err) return undefined;
    const message = typeof err.message === "string" ? err.message : undefined;
    const status = typeof err.status === "string" ? err.status : undefined;
    if (message && status) return `${status}: ${message}`;
    return message ?? status;
  },
};

/** An `{error}` object met inside a stream → the GatewayError its HTTP twin would give. */
export function streamErrorEvent(providerId: string, data: string, secrets: Array<string | undefined>): GatewayError {
  let status = 500;
  try {
    const code = errorOf(JSON.parse(data))?.code;
    if (typeof code === "number" && code >= 400 && code < 600) status = code;
  } catch {
    /* unparseable: a generic upstream error */
  }
  return upstreamHttpError(providerId, status, data, geminiErrorFormat, { secrets });
}
