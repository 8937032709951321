/**
 * `POST /v1/feedback {request_id, score}`: a client rates an answer it got from a bandit route
 * (score in [0,1], 1 = good). The rating updates the arm of the node that answered, in the context
 * bucket the request was routed in. Counted once per request, and only for the tenant that made it.
 */
import type { Context } from "hono";
import { z } from "zod";
import { readJson, validate } from "../api/body.js";
import { GatewayError } from "../api/errors.js";
import { type GatewayEnv, requireTenant } from "../api/request-context.js";
import { routerStoreOf } from "./store.js";

export const feedbackSchema = z.strictObject({
  request_id: z.string().min(1).max(128),
  score: z.number().min(0).max(1),
  comment: z.string().max(2000).optional(),
});

export async function handleFeedback(c: Context<GatewayEnv>): Promise<Response> {
  const runtime = c.get("runtime");
  const identity = requireTenant(c);
  const body = validate(feedbackSchema, await readJson(c, runtime.config.server.bodyLimitBytes));
  const store = routerStoreOf(runtime);
  const decision = await store.takeDecision(body.request_id);
  if (!decision || decision.tenant !== identity.tenant) {
    if (decision) await store.saveDecision(decision); // not yours: leave it for its owner
    throw new GatewayError(`No routed request "${body.request_id}" awaits feedback (feedback applies to bandit routes, once per request).`, {
      status: 404,
      code: "feedback_target_not_found",
      param: "request_id",
    });
  }
  await store.reward(decision.route, decision.bucket, decision.node, body.score);
  return c.json({ object: "feedback", request_id: body.request_id, route: decision.route, model: decision.node, bucket: decision.bucket, score: body.score });
}
