/**
 * `routes:` — named virtual models. For now a route is an alias to one catalog model with an
 * optional default strategy; the router section (rules, classifier, knn, llm, cascade, bandit)
 * extends `routerSchema` here.
 */
import { z } from "zod";
import { nameSchema } from "./common.js";

export const routerSchema = z.looseObject({ type: z.string() });

export const routeSchema = z.strictObject({
  /** Alias target: the route always answers with this model. */
  model: nameSchema.optional(),
  router: routerSchema.optional(),
  candidates: z.array(nameSchema).optional(),
  /** Default strategy for requests on this route (a name, or `{name, ...params}`). */
  strategy: z.union([z.string(), z.looseObject({ name: z.string() })]).optional(),
  description: z.string().optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;
