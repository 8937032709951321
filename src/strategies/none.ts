/**
 * `none`: one call to the planned model, streamed through as it arrives — or, for `n > 1` on a
 * model that answers one choice per call, n parallel calls merged into one answer (`fan-out.ts`).
 */
import { fanOutCalls, fanOutChat, fanOutChatStream } from "./fan-out.js";
import type { Strategy } from "./types.js";

export const noneStrategy: Strategy = {
  name: "none",
  parseParams: () => ({}),
  run: (request, ctx) => {
    const calls = fanOutCalls(request, ctx.client);
    return calls > 1 ? fanOutChat(ctx.client, request, calls, ctx.signal) : ctx.client.chat(request, { signal: ctx.signal });
  },
  stream: (request, ctx) => {
    const calls = fanOutCalls(request, ctx.client);
    return calls > 1 ? fanOutChatStream(ctx.client, request, calls, ctx.signal) : ctx.client.chatStream(request, { signal: ctx.signal });
  },
};
