/**
 * createApp(deps): the Hono app, runtime-agnostic. Everything runtime-specific (HTTP client,
 * storage, clock, the loaded config) arrives through `deps`, so Node and Workers run this same app.
 */
import { type Context, Hono, type Next } from "hono";
import { handleChat } from "./api/chat.js";
import { handleCompletions, handleEmbeddings } from "./api/completions.js";
import { allowedOrigin, corsHeaders, preflightResponse } from "./api/cors.js";
import { asGatewayError, GatewayError } from "./api/errors.js";
import { type Readiness, readinessBody } from "./api/readiness.js";
import type { GatewayHooks } from "./api/hooks.js";
import { handleGetModel, handleListModels } from "./api/models.js";
import { handleFeedback } from "./router/feedback.js";
import { type GatewayEnv, presentedKey, requestHeader, requestIdFrom } from "./api/request-context.js";
import { registerResponses } from "./api/responses/handlers.js";
import { MemoryResponseStore } from "./api/responses/memory-store.js";
import type { ResponseStore } from "./api/responses/store.js";
import type { Runtime } from "./runtime.js";

/** A feature that mounts its own routes (usage API, dashboard, metrics, feedback...). */
export interface GatewayPlugin {
  name: string;
  register(app: Hono<GatewayEnv>): void;
}

export interface AppDeps {
  /** The current runtime; a reload swaps what this returns, requests keep the one they started with. */
  runtime(): Runtime;
  hooks?: GatewayHooks;
  plugins?: GatewayPlugin[];
  /** Stored responses of `/v1/responses` (Node: the shared SQLite database); default in memory. */
  responseStore?: ResponseStore;
  /** What `/readyz` reports (default: ready, nothing to check). */
  readiness?: () => Readiness;
}

/** Paths served without an API key. */
const PUBLIC_PATHS = new Set(["/healthz", "/readyz", "/", "/favicon.ico"]);

/**
 * Model endpoints build their responses (JSON, SSE, errors) with the request id already in their
 * own headers, so the middleware need not prepare it: `c.header()` makes Hono build a WHATWG
 * Headers object per request.
 */
const SETS_OWN_REQUEST_ID = new Set(["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]);

/** Authenticates the request (except public paths) and runs the rest of the chain. */
async function authenticate(c: Context<GatewayEnv>, next: Next, path: string): Promise<void> {
  if (PUBLIC_PATHS.has(path) || path.startsWith("/dashboard")) return next();
  const key = presentedKey(c);
  if (!key) {
    throw new GatewayError("Missing API key. Send it as `Authorization: Bearer <key>`.", { status: 401, code: "missing_api_key" });
  }
  const identity = await c.get("runtime").tenants.resolve(key);
  if (!identity) throw new GatewayError("Incorrect API key provided.", { status: 401, code: "invalid_api_key" });
  c.set("identity", identity);
  return next();
}

/** A browser's request: preflights answered before authentication, CORS headers on the answer. */
async function withCors(c: Context<GatewayEnv>, next: Next, path: string, origin: string): Promise<Response | void> {
  const cors = c.get("runtime").config.server.cors;
  if (c.req.method === "OPTIONS" && requestHeader(c, "access-control-request-method") !== undefined) {
    return preflightResponse(cors, origin, requestHeader(c, "access-control-request-headers"));
  }
  await authenticate(c, next, path);
  const allowed = allowedOrigin(cors, origin);
  if (allowed) for (const [k, v] of Object.entries(corsHeaders(allowed))) c.res.headers.set(k, v);
}

export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const hooks = deps.hooks ?? {};

  // One middleware for the request id, the runtime snapshot and authentication: each layer of
  // middleware is a closure and a promise per request on the hot path.
  app.use("*", (c, next) => {
    const requestId = requestIdFrom(requestHeader(c, "x-request-id"));
    c.set("requestId", requestId);
    c.set("startedAt", Date.now());
    c.set("runtime", deps.runtime());
    const path = c.req.path;
    // Every response built through `c` carries it from here; `onError`, the SSE responses and the
    // model endpoints set it themselves. Checking `c.res.headers` afterwards would make
    // @hono/node-server turn its lightweight response into a full WHATWG Response on every
    // request (and read the body back through a stream).
    if (c.req.method !== "POST" || !SETS_OWN_REQUEST_ID.has(path)) c.header("x-request-id", requestId);
    // Browsers send Origin; server-side clients do not, and skip CORS altogether.
    const origin = requestHeader(c, "origin");
    return origin === undefined ? authenticate(c, next, path) : withCors(c, next, path, origin);
  });

  app.onError((err, c) => {
    const gw = asGatewayError(err);
    if (gw.status >= 500 && gw.code === "internal_error") console.error(`[${c.get("requestId")}] internal error:`, err);
    const headers: Record<string, string> = { "x-request-id": c.get("requestId") ?? "" };
    if (gw.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(gw.retryAfterSeconds)));
    // OpenAI's SDKs retry 408/409/429/5xx on their own unless `x-should-retry` says otherwise: a
    // spent budget (429 until tomorrow) or an upstream failure the gateway has already retried
    // and judged final should not be sent again two more times.
    if (gw.status === 408 || gw.status === 409 || gw.status === 429 || gw.status >= 500) headers["x-should-retry"] = String(gw.retryable);
    // An error thrown before the handler (a missing key) skips the middleware's CORS step: a
    // browser client must still be able to read it.
    const origin = requestHeader(c, "origin");
    const allowed = origin !== undefined && c.get("runtime") ? allowedOrigin(c.get("runtime").config.server.cors, origin) : undefined;
    if (allowed) Object.assign(headers, corsHeaders(allowed));
    return c.json(gw.toEnvelope(), gw.status as 400, headers);
  });

  app.notFound((c) => {
    const gw = new GatewayError(`Unknown path ${c.req.method} ${c.req.path}.`, { status: 404, code: "unknown_url" });
    return c.json(gw.toEnvelope(), 404);
  });

  app.get("/healthz", (c) => c.json({ status: "ok", generation: c.get("runtime").generation }));
  app.get("/readyz", (c) => {
    const { status, body } = readinessBody(deps.readiness?.() ?? { ready: true, checks: {} });
    return c.json(body, status as 200);
  });

  app.post("/v1/chat/completions", (c) => handleChat(c, hooks));
  app.post("/v1/completions", (c) => handleCompletions(c, hooks));
  app.post("/v1/embeddings", (c) => handleEmbeddings(c, hooks));
  app.get("/v1/models", (c) => handleListModels(c));
  app.get("/v1/models/:id{.+}", (c) => handleGetModel(c));
  app.post("/v1/feedback", (c) => handleFeedback(c));
  registerResponses(app, { hooks, store: deps.responseStore ?? new MemoryResponseStore() });

  for (const plugin of deps.plugins ?? []) plugin.register(app);

  // Known paths with the wrong method get OpenAI's envelope too.
  for (const path of ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"]) {
    app.all(path, (c) => {
      throw new GatewayError(`Method ${c.req.method} is not allowed on ${path}.`, { status: 405, code: "method_not_allowed" });
    });
  }
  return app;
}
