/**
 * Upstream failures → GatewayError. Provider error formats are data (`ErrorFormat`), so each
 * adapter only says how to find the message in its error body; status mapping and redaction of
 * credentials happen here, once.
 */
import { GatewayError } from "../api/errors.js";

export interface ErrorFormat {
  /** The human message inside a parsed error body, if this format recognises it. */
  toMessage(body: unknown): string | undefined;
}

export const openAiErrorFormat: ErrorFormat = {
  toMessage: (body) => {
    const err = (body as { error?: { message?: unknown } | string })?.error;
    if (typeof err === "string") return err;
    return typeof err?.message === "string" ? err.message : undefined;
  },
};

const SECRET_PATTERNS = [/sk-[A-Za-z0-9_-]{6,}/g, /Bearer\s+[A-Za-z0-9._~+/=-]+/gi, /x-api-key[:=]\s*\S+/gi];

/** Removes anything that looks like a credential (and the provider's own key) from a message. */
export function redactSecrets(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  for (const re of SECRET_PATTERNS) out = out.replace(re, "[redacted]");
  return out.length > 1000 ? `${out.slice(0, 1000)}…` : out;
}

const RETRYABLE_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

/** Parses `Retry-After` (seconds or HTTP date) into seconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Maps an upstream HTTP error to what the client sees. */
export function upstreamHttpError(
  providerId: string,
  status: number,
  bodyText: string,
  format: ErrorFormat,
  opts: { retryAfter?: string; secrets?: Array<string | undefined> } = {},
): GatewayError {
  let detail: string | undefined;
  try {
    detail = format.toMessage(JSON.parse(bodyText));
  } catch {
    detail = bodyText.trim() || undefined;
  }
  const message = redactSecrets(`Upstream ${providerId} returned ${status}${detail ? `: ${detail}` : ""}`, opts.secrets);
  const retryAfterSeconds = parseRetryAfter(opts.retryAfter);
  const retryable = RETRYABLE_STATUSES.has(status);
  if (status === 429) {
    return new GatewayError(message, { status: 429, code: "upstream_rate_limited", retryable, retryAfterSeconds: retryAfterSeconds ?? 1, upstreamStatus: status });
  }
  if (status === 401 || status === 403) {
    // The gateway's credentials were refused: that is our failure, not the client's key.
    return new GatewayError(message, { status: 502, code: "upstream_auth_failed", upstreamStatus: status });
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 425) {
    return new GatewayError(message, { status: status === 413 ? 413 : 400, code: "upstream_rejected_request", type: "invalid_request_error", upstreamStatus: status });
  }
  const gwStatus = status === 503 || status === 529 ? 503 : status === 504 || status === 408 ? 504 : 502;
  return new GatewayError(message, { status: gwStatus, code: "upstream_error", retryable, retryAfterSeconds, upstreamStatus: status });
}

export function upstreamTimeout(providerId: string, phase: "connect" | "first_byte" | "idle"): GatewayError {
  const what = { connect: "connecting", first_byte: "waiting for the first byte", idle: "waiting for the next chunk" }[phase];
  return new GatewayError(`Upstream ${providerId} timed out while ${what}.`, { status: 504, code: `upstream_timeout_${phase}`, retryable: true });
}

export function upstreamConnectionError(providerId: string, cause: unknown): GatewayError {
  const code = (cause as { code?: string; cause?: { code?: string } })?.code ?? (cause as { cause?: { code?: string } })?.cause?.code;
  return new GatewayError(`Upstream ${providerId} connection failed${code ? ` (${code})` : ""}.`, { status: 502, code: "upstream_connection_error", retryable: true, cause });
}

export function upstreamMalformed(providerId: string, what: string): GatewayError {
  return new GatewayError(`Upstream ${providerId} sent a malformed response: ${what}.`, { status: 502, code: "upstream_malformed_response", retryable: true });
}

export function upstreamStreamBroken(providerId: string, what: string): GatewayError {
  return new GatewayError(`Upstream ${providerId} stream ended abnormally: ${what}.`, { status: 502, code: "upstream_stream_error", retryable: false });
}
