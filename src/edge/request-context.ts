/**
 * The Workers request being served, for handing work that outlives its response (a budget
 * settlement, a span export) to that request's `waitUntil`: Workers stop a request's work once its
 * response is done unless it is handed there. The Worker's `fetch` runs each request inside
 * `requestContext.run(ctx, ...)`; code on the request's async path reads it back.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What a Worker's `fetch` gets as its third argument (only `waitUntil` is used). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export const requestContext = new AsyncLocalStorage<WaitUntil>();

/** Hands `p` to `ctx.waitUntil` if there is a context still open; the work runs either way. */
export function keepAlive(p: Promise<unknown>, ctx: WaitUntil | undefined): void {
  try {
    ctx?.waitUntil(p);
  } catch {
    /* the request's context has ended; the work runs as long as the isolate does */
  }
}
