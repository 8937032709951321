/** `none`: one call to the planned model, streamed through as it arrives. */
import type { Strategy } from "./types.js";

export const noneStrategy: Strategy = {
  name: "none",
  parseParams: () => ({}),
  run: (request, ctx) => ctx.client.chat(request, { signal: ctx.signal }),
  stream: (request, ctx) => ctx.client.chatStream(request, { signal: ctx.signal }),
};
