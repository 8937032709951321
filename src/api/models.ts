/** `GET /v1/models`: the catalog models and routes the calling tenant may use. */
import type { Context } from "hono";
import { tenantAllows } from "../tenants/registry.js";
import { GatewayError } from "./errors.js";
import { type GatewayEnv, requireTenant } from "./request-context.js";

interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  /** Octoroute extension: `model` or `route`. */
  octoroute_kind: "model" | "route";
}

// A fixed timestamp: models have no creation time in a config, and a stable value keeps clients' caches stable.
const CREATED = 1_700_000_000;

function visibleModels(c: Context<GatewayEnv>): ModelEntry[] {
  const runtime = c.get("runtime");
  const identity = c.get("identity");
  const out: ModelEntry[] = [];
  for (const [name, node] of runtime.catalog.nodes) {
    if (identity.admin || tenantAllows(identity.config.models, name)) {
      out.push({ id: name, object: "model", created: CREATED, owned_by: node.provider.id, octoroute_kind: "model" });
    }
  }
  for (const name of Object.keys(runtime.config.routes)) {
    if (identity.admin || tenantAllows(identity.config.routes, name)) {
      out.push({ id: name, object: "model", created: CREATED, owned_by: "octoroute", octoroute_kind: "route" });
    }
  }
  return out;
}

export function handleListModels(c: Context<GatewayEnv>): Response {
  return c.json({ object: "list", data: visibleModels(c) });
}

export function handleGetModel(c: Context<GatewayEnv>): Response {
  const id = c.req.param("id");
  const found = visibleModels(c).find((m) => m.id === id);
  if (!found) throw new GatewayError(`The model "${id}" does not exist.`, { status: 404, code: "model_not_found", param: "model" });
  return c.json(found);
}

export { requireTenant };
