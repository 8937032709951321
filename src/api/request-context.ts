/**
 * Per-request state shared by the handlers: identity, request id, the account that collects
 * usage, the abort signal, and the runtime snapshot the request started with.
 */
import type { Context } from "hono";
import type { Catalog } from "../models/catalog.js";
import { type MeterContext, ModelClient } from "../models/model-client.js";
import type { Runtime } from "../runtime.js";
import type { Identity, TenantIdentity } from "../tenants/registry.js";
import { Account } from "../telemetry/usage.js";
import { randomHex } from "../random-hex.js";
import { GatewayError } from "./errors.js";
import { type Abortable, RequestSignal } from "./request-signal.js";

export interface GatewayVariables {
  requestId: string;
  runtime: Runtime;
  identity: Identity;
  startedAt: number;
}

export type GatewayEnv = { Variables: GatewayVariables };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Echoes a well-formed client request id, else makes one: `req_` + 32 hex digits, the first 12 the
 * time in ms and the rest random (as in UUIDv7), so ids sort by time wherever they are kept. (The
 * ledger indexes time, not ids: an id the client sent can be anything; see `ddl` in
 * telemetry/ledger/sql.ts.)
 */
export function requestIdFrom(header: string | undefined): string {
  if (header && REQUEST_ID.test(header)) return header;
  // 80 random bits, as UUIDv7's random part.
  return `req_${Date.now().toString(16).padStart(12, "0")}${randomHex(10)}`;
}

/**
 * Node's parsed request headers (lower-cased names) when @hono/node-server passes the
 * IncomingMessage as `c.env.incoming`. Reading them there avoids `c.req.header()`, which makes the
 * adapter build a WHATWG Headers object from the raw headers on every request.
 */
function nodeHeaders(c: Context): Record<string, string | string[] | undefined> | undefined {
  const headers = (c.env as { incoming?: { headers?: unknown } } | undefined)?.incoming?.headers;
  return headers && typeof headers === "object" ? (headers as Record<string, string | string[] | undefined>) : undefined;
}

/** One request header by its lower-case name (repeated headers joined with ", ", as `Headers.get` does). */
export function requestHeader(c: Context, name: string): string | undefined {
  const node = nodeHeaders(c);
  if (!node) return c.req.header(name);
  const v = node[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** The presented API key: `Authorization: Bearer`, `x-api-key` or `api-key`. */
export function presentedKey(c: Context): string | undefined {
  const auth = requestHeader(c, "authorization");
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1]!.trim() : undefined;
  }
  return requestHeader(c, "x-api-key") ?? requestHeader(c, "api-key") ?? undefined;
}

export function requireTenant(c: Context<GatewayEnv>): TenantIdentity {
  const id = c.get("identity");
  if (id.admin) {
    throw new GatewayError("Admin keys manage the gateway; use a tenant key to call models.", { status: 403, code: "admin_key_not_for_inference" });
  }
  return id;
}

export interface CallScope {
  requestId: string;
  identity: TenantIdentity;
  account: Account;
  meter: MeterContext;
  signal: Abortable;
  /** Aborts the scope's work (e.g. the stream consumer went away). */
  abort(): void;
}

/** Lower-cased request headers (for forwarding allow-lists and routing metadata); made once per request. */
const records = new WeakMap<object, Record<string, string>>();

export function headerRecord(c: Context): Record<string, string> {
  const key = nodeHeaders(c) ?? c.req.raw;
  let record = records.get(key);
  if (!record) records.set(key, (record = buildHeaderRecord(c)));
  return record;
}

function buildHeaderRecord(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  const node = nodeHeaders(c);
  if (node) {
    for (const k in node) {
      const v = node[k];
      if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    return out;
  }
  c.req.raw.headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

interface NodeOutgoing {
  once(event: "close", listener: () => void): unknown;
  writableFinished?: boolean;
  destroyed?: boolean;
}

/**
 * Calls `abort` when the client goes away before its response finished. On Node the adapter hands
 * over the ServerResponse as `c.env.outgoing`; watching its `close` avoids `c.req.raw.signal`,
 * which makes @hono/node-server build a full WHATWG Request per call (~10% of the gateway's CPU
 * per request in bench/). Elsewhere (Workers), the request's own signal.
 */
function onClientGone(c: Context, abort: (reason: unknown) => void): void {
  const outgoing = (c.env as { outgoing?: Partial<NodeOutgoing> } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.once === "function") {
    const gone = () => abort(new DOMException("The client disconnected.", "AbortError"));
    if (outgoing.destroyed && !outgoing.writableFinished) gone();
    else outgoing.once("close", () => !outgoing.writableFinished && gone());
    return;
  }
  const clientSignal = c.req.raw.signal;
  if (!clientSignal) return;
  if (clientSignal.aborted) abort(clientSignal.reason);
  else clientSignal.addEventListener("abort", () => abort(clientSignal.reason), { once: true });
}

export function openScope(c: Context<GatewayEnv>, identity: TenantIdentity, catalog: Catalog): CallScope {
  const requestId = c.get("requestId");
  const account = new Account(requestId, identity.tenant, identity.keyId);
  // A plain signal, not an AbortController's: see request-signal.ts.
  const signal = new RequestSignal();
  onClientGone(c, (reason) => signal.abort(reason));
  const meter: MeterContext = { requestId, account, catalog, signal, clientHeaders: headerRecord(c) };
  return { requestId, identity, account, meter, signal, abort: () => signal.abort() };
}

export function clientFor(scope: CallScope, node: string): ModelClient {
  const n = scope.meter.catalog.get(node);
  if (!n) throw new GatewayError(`The model "${node}" does not exist.`, { status: 404, code: "model_not_found", param: "model" });
  return new ModelClient(n, scope.meter);
}
