/**
 * The one error type of the gateway. Every failure that reaches a client is a GatewayError, and
 * `app.onError` is the only place that maps it to OpenAI's envelope — handlers never build
 * envelopes themselves, so a status can't drift between handlers.
 */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "upstream_error"
  | "timeout_error"
  | "server_error";

export interface GatewayErrorInit {
  status: number;
  code: string;
  type?: ErrorType;
  param?: string | null;
  retryable?: boolean;
  /** Seconds the client should wait (429/503); becomes `Retry-After`. */
  retryAfterSeconds?: number;
  /** Upstream HTTP status when the error came from a provider. */
  upstreamStatus?: number;
  cause?: unknown;
}

const defaultTypeForStatus = (status: number): ErrorType => {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 504) return "timeout_error";
  if (status === 502 || status === 503) return "upstream_error";
  if (status >= 400 && status < 500) return "invalid_request_error";
  return "server_error";
};

export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  readonly upstreamStatus?: number;

  constructor(message: string, init: GatewayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "GatewayError";
    this.status = init.status;
    this.code = init.code;
    this.type = init.type ?? defaultTypeForStatus(init.status);
    this.param = init.param ?? null;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.upstreamStatus = init.upstreamStatus;
  }

  /** OpenAI's error envelope. */
  toEnvelope(): { error: { message: string; type: string; param: string | null; code: string } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 naming the offending parameter. */
export const invalidParam = (param: string, message: string, code = "invalid_parameter"): GatewayError =>
  new GatewayError(message, { status: 400, code, param });

/** Turns anything thrown into a GatewayError without leaking internals to the client. */
export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isAbortError(err)) {
    return new GatewayError("The request was cancelled.", { status: 499, code: "request_cancelled", type: "invalid_request_error" });
  }
  return new GatewayError("Internal gateway error.", { status: 500, code: "internal_error", cause: err });
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === "object" &&
    err !== null &&
    ((err as { name?: string }).name === "AbortError" || (err as { code?: string }).code === "ABORT_ERR")
  );
}
