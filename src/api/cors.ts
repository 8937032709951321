/**
 * CORS for browser clients (the `openai` SDK with `dangerouslyAllowBrowser`, the AI SDK in a web
 * app): OpenAI's API answers any origin, so the gateway does too by default (`server.cors`). Keys
 * travel in the Authorization header, never in cookies, so `*` shares no credential a page did not
 * already hold; a deployment that wants fewer origins lists them, and `origins: []` turns CORS off.
 *
 * Preflights are answered before authentication (a browser never sends the key with them). Only
 * requests that carry an `Origin` header get CORS headers, so server-side clients pay nothing.
 */
import type { CorsConfig } from "../config/schema.js";

/** Response headers a browser client may read: the request id and the gateway's explanations. */
const EXPOSED = [
  "x-request-id",
  "x-octoroute-model",
  "x-octoroute-route",
  "x-octoroute-route-reason",
  "x-octoroute-strategy",
  "x-octoroute-cost-usd",
  "retry-after",
].join(", ");

/** The configured origins as browsers send them (`https://app.example.com/` → `https://app.example.com`). */
const normalised = new WeakMap<CorsConfig, Set<string>>();
function originsOf(cors: CorsConfig): Set<string> {
  let set = normalised.get(cors);
  if (!set) normalised.set(cors, (set = new Set(cors.origins.map((o) => (o === "*" ? o : new URL(o).origin)))));
  return set;
}

/** The `Access-Control-Allow-Origin` value for `origin`, or undefined when it is not allowed. */
export function allowedOrigin(cors: CorsConfig, origin: string): string | undefined {
  const origins = originsOf(cors);
  if (origins.has("*")) return "*";
  return origins.has(origin) ? origin : undefined;
}

/** Headers to add to an actual (non-preflight) response for an allowed origin. */
export function corsHeaders(allowed: string): Record<string, string> {
  const h: Record<string, string> = { "access-control-allow-origin": allowed, "access-control-expose-headers": EXPOSED };
  if (allowed !== "*") h.vary = "Origin";
  return h;
}

/**
 * The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204, allowing the
 * methods the API uses and whatever request headers the browser asked for (the SDKs send their
 * own `x-stainless-*` and `openai-*` headers). An origin not allowed gets a 204 without them,
 * which the browser reports as a CORS failure.
 */
export function preflightResponse(cors: CorsConfig, origin: string | undefined, requestedHeaders: string | undefined): Response {
  const allowed = origin ? allowedOrigin(cors, origin) : undefined;
  const headers = new Headers();
  if (allowed) {
    headers.set("access-control-allow-origin", allowed);
    headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
    if (requestedHeaders) headers.set("access-control-allow-headers", requestedHeaders);
    headers.set("access-control-max-age", String(cors.maxAgeSeconds));
    if (allowed !== "*") headers.set("vary", "Origin, Access-Control-Request-Headers");
    else headers.set("vary", "Access-Control-Request-Headers");
  }
  return new Response(null, { status: 204, headers });
}
