/**
 * Ids of responses and of their output items. An item id embeds its response's id
 * (`fc_<hex>_<n>` belongs to `resp_<hex>`), so an `item_reference` (the AI SDK sends these for
 * earlier outputs when `store` is on) resolves to its stored response without a second index.
 */

const HEX = /^[0-9a-f]{32}$/;

/** A fresh response id: `resp_` + 32 hex digits. */
export function newResponseId(): string {
  return `resp_${crypto.randomUUID().replace(/-/g, "")}`;
}

/** Id of output item `index` of response `responseId` (`msg_…` for messages, `fc_…` for function calls). */
export function itemId(responseId: string, kind: "msg" | "fc" | "item", index: number): string {
  return `${kind}_${responseId.slice("resp_".length)}_${index}`;
}

/** The response an item id belongs to, when it is one of ours; otherwise null. */
export function responseIdOfItem(id: string): string | null {
  const m = /^[a-z]+_([0-9a-f]+)_\d+$/.exec(id);
  return m && HEX.test(m[1]!) ? `resp_${m[1]}` : null;
}
