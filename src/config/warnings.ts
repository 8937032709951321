/**
 * What a valid config still probably gets wrong: said at start, on reload and by
 * `octoroute config check`, never refused (a tenant kept locked out on purpose is valid).
 */
import type { OctorouteConfig } from "./schema.js";

export function configWarnings(config: OctorouteConfig): string[] {
  const out: string[] = [];
  for (const [name, tenant] of Object.entries(config.tenants)) {
    // Nothing is allowed by default: such a tenant's every request gets 403 model_not_allowed.
    if (!tenant.models.length && !tenant.routes.length) {
      out.push(`tenant "${name}" may call no model and no route: every request of its keys gets 403 model_not_allowed (list them under tenants.${name}.models / routes, "*" for all)`);
    }
  }
  return out;
}
