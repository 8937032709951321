/**
 * Conversation state: turns `previous_response_id` and `item_reference` items into the explicit
 * list of items the model must see. Everything is looked up in the tenant's own stored responses,
 * never upstream: an upstream account is shared by every tenant, so letting it resolve ids would
 * let one tenant continue another's conversation.
 */
import { GatewayError } from "../errors.js";
import { responseIdOfItem } from "./ids.js";
import type { InputItem, ResponsesRequest } from "./schemas.js";
import type { ResponseStore, StoredResponse } from "./store.js";
import type { OutputItem } from "./types.js";

/** An item of the conversation with the request path it came from (null for earlier turns). */
export interface ConversationItem {
  item: InputItem;
  path: string | null;
}

const REPLAYABLE = new Set(["message", "function_call", "function_call_output", "reasoning"]);

/** Output items of a stored response as input items of the next turn (tool-only items of native upstreams are dropped). */
export function outputAsInput(output: OutputItem[]): InputItem[] {
  return output.filter((o) => REPLAYABLE.has(o.type)) as unknown as InputItem[];
}

/** The conversation a stored response ends with: what it was asked plus what it answered. */
export function conversationOf(stored: StoredResponse): InputItem[] {
  return [...stored.input, ...outputAsInput(stored.response.output)];
}

function notFound(what: string, param: string): GatewayError {
  return new GatewayError(`${what} not found.`, { status: 404, code: "not_found", param });
}

/** Finds item `id` among the tenant's stored responses (ours embed the response id). */
async function resolveReference(store: ResponseStore, tenant: string, id: string, param: string): Promise<InputItem> {
  const responseId = responseIdOfItem(id);
  const stored = responseId ? await store.get(tenant, responseId) : null;
  const found = stored && conversationOf(stored).find((item) => (item as { id?: unknown }).id === id);
  if (!found) throw notFound(`Item with id '${id}'`, param);
  return found;
}

/**
 * The full conversation for `request`: the previous response's conversation (if any) followed by
 * this request's input, with every `item_reference` replaced by the item it names.
 */
export async function buildConversation(store: ResponseStore, tenant: string, request: ResponsesRequest): Promise<ConversationItem[]> {
  const out: ConversationItem[] = [];
  if (request.previous_response_id) {
    const previous = await store.get(tenant, request.previous_response_id);
    if (!previous) throw notFound(`Previous response with id '${request.previous_response_id}'`, "previous_response_id");
    for (const item of conversationOf(previous)) out.push({ item, path: null });
  }
  const input = request.input ?? [];
  if (typeof input === "string") {
    out.push({ item: { type: "message", role: "user", content: input }, path: "input" });
    return out;
  }
  for (let i = 0; i < input.length; i++) {
    const item = input[i]!;
    const path = `input[${i}]`;
    out.push({ item: item.type === "item_reference" ? await resolveReference(store, tenant, item.id, `${path}.id`) : item, path });
  }
  return out;
}
