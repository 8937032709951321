/**
 * `POST /v1/responses`, `GET`/`DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`.
 * A create request is validated, its conversation resolved from the tenant's stored responses,
 * then either passed through natively or translated to the one canonical chat request and run by
 * the chat pipeline (routing, strategies, budgets, accounting unchanged) with the Responses
 * `ChatOutput`.
 */
import type { Context, Hono } from "hono";
import { readJson } from "../body.js";
import { runChat } from "../chat.js";
import { GatewayError, invalidParam } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { type GatewayEnv, requireTenant } from "../request-context.js";
import { buildConversation } from "./conversation.js";
import { itemId, newResponseId } from "./ids.js";
import { runNative, wantsNative } from "./native.js";
import { ResponsesOutput } from "./output.js";
import { type InputItem, parseResponsesRequest } from "./schemas.js";
import type { ResponseStore } from "./store.js";
import { toChatRequest } from "./to-chat.js";
import type { ResponseObject } from "./types.js";

export interface ResponsesDeps {
  hooks: GatewayHooks;
  store: ResponseStore;
}

const HOUR_MS = 3_600_000;

export async function createResponse(c: Context<GatewayEnv>, deps: ResponsesDeps): Promise<Response> {
  const runtime = c.get("runtime");
  const identity = requireTenant(c);
  const request = parseResponsesRequest(await readJson(c, runtime.config.server.bodyLimitBytes));
  const settings = runtime.config.responses;
  const store = request.store ?? settings.storeByDefault;
  const items = await buildConversation(deps.store, identity.tenant, request);
  const id = newResponseId();
  const createdAt = Math.floor(Date.now() / 1000);
  const persist = async (response: ResponseObject): Promise<void> => {
    if (!store) return;
    const now = Date.now();
    await deps.store.put({
      id,
      tenant: identity.tenant,
      createdAt: now,
      expiresAt: settings.retentionHours > 0 ? now + settings.retentionHours * HOUR_MS : null,
      response,
      input: items.map((i, n) => withItemId(i.item, id, n)),
      instructions: request.instructions ?? null,
    });
  };
  if (wantsNative(c, request)) return runNative(c, deps.hooks, request, items, { id, createdAt, store }, persist);
  const output = new ResponsesOutput({ request, id, createdAt, store, persist });
  const res = await runChat(c, deps.hooks, toChatRequest(request, items), output);
  // Streams persist in the output's stream end, before `response.completed` goes out.
  if (!request.stream) await persist(output.response);
  return res;
}

/** Input items get ids when stored (listing and `item_reference` need them); their own ids are kept. */
function withItemId(item: InputItem, responseId: string, index: number): InputItem {
  return (item as { id?: unknown }).id ? item : ({ ...item, id: itemId(responseId, "item", index) } as InputItem);
}

function notFound(id: string): GatewayError {
  // The same answer whether the id never existed, expired, or belongs to another tenant.
  return new GatewayError(`No response found with id '${id}'.`, { status: 404, code: "not_found", param: "response_id" });
}

export async function getResponse(c: Context<GatewayEnv>, deps: ResponsesDeps): Promise<Response> {
  const identity = requireTenant(c);
  const id = c.req.param("id")!;
  if (c.req.query("stream") === "true") throw new GatewayError("Replaying a stored response as a stream is not supported.", { status: 400, code: "unsupported_parameter", param: "stream" });
  const stored = await deps.store.get(identity.tenant, id);
  if (!stored) throw notFound(id);
  return c.json(stored.response);
}

export async function deleteResponse(c: Context<GatewayEnv>, deps: ResponsesDeps): Promise<Response> {
  const identity = requireTenant(c);
  const id = c.req.param("id")!;
  if (!(await deps.store.delete(identity.tenant, id))) throw notFound(id);
  return c.json({ id, object: "response", deleted: true });
}

/**
 * `GET /v1/responses/{id}/input_items`: the conversation the response answered (earlier turns
 * included), as a cursor page: `order` (default `desc`), `limit` (1–100, default 20), `after`.
 */
export async function listInputItems(c: Context<GatewayEnv>, deps: ResponsesDeps): Promise<Response> {
  const identity = requireTenant(c);
  const id = c.req.param("id")!;
  const order = c.req.query("order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw invalidParam("order", "order must be asc or desc.");
  const limit = Number(c.req.query("limit") ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidParam("limit", "limit must be an integer from 1 to 100.");
  const stored = await deps.store.get(identity.tenant, id);
  if (!stored) throw notFound(id);
  let items = order === "asc" ? stored.input : [...stored.input].reverse();
  const after = c.req.query("after");
  if (after) {
    const at = items.findIndex((i) => (i as { id?: unknown }).id === after);
    if (at < 0) throw invalidParam("after", `No input item with id '${after}' in this response.`);
    items = items.slice(at + 1);
  }
  const data = items.slice(0, limit) as Array<InputItem & { id: string }>;
  return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: items.length > limit });
}

/** Mounts the Responses API on the app. */
export function registerResponses(app: Hono<GatewayEnv>, deps: ResponsesDeps): void {
  app.post("/v1/responses", (c) => createResponse(c, deps));
  app.get("/v1/responses/:id", (c) => getResponse(c, deps));
  app.delete("/v1/responses/:id", (c) => deleteResponse(c, deps));
  app.get("/v1/responses/:id/input_items", (c) => listInputItems(c, deps));
  for (const path of ["/v1/responses", "/v1/responses/:id", "/v1/responses/:id/input_items"]) {
    app.all(path, (c) => {
      throw new GatewayError(`Method ${c.req.method} is not allowed on ${c.req.path}.`, { status: 405, code: "method_not_allowed" });
    });
  }
}
