/**
 * Gemini's error format as data: Google APIs answer `{error: {code, message, status}}`, over
 * HTTP and (rarely) as a `data:` event inside a stream. Status mapping and redaction stay in
 * `providers/errors.ts`.
 */
import { GatewayError } from "../../api/errors.js";
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

/**
 * Google answers a bad API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID). That is the
 * gateway's credential failing, not the client's request, so it becomes the same 502 that a
 * 401/403 from any other upstream gives.
 */
export function keyRejectedAs502(err: unknown): never {
  if (err instanceof GatewayError && err.upstreamStatus === 400 && /API key not valid|API_KEY_INVALID/i.test(err.message)) {
    throw new GatewayError(err.message, { status: 502, code: "upstream_auth_failed", upstreamStatus: 400 });
  }
  throw err;
}
