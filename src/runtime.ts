/**
 * Everything built from one loaded config: the catalog (providers bound to models), the tenant
 * registry and the config itself. A reload builds a new Runtime and swaps one reference; requests
 * keep the Runtime they started with, so a swap never changes a request midway.
 */
import type { Price } from "./config/common.js";
import type { OctorouteConfig } from "./config/schema.js";
import { Catalog } from "./models/catalog.js";
import type { HttpClient } from "./providers/http.js";
import { TenantRegistry } from "./tenants/registry.js";

export interface Runtime {
  config: OctorouteConfig;
  catalog: Catalog;
  tenants: TenantRegistry;
  /** Monotonic number of this runtime (1 for the first load, +1 per reload). */
  generation: number;
}

let generations = 0;

export function buildRuntime(config: OctorouteConfig, http: HttpClient, priceCatalog: Record<string, Price> = {}): Runtime {
  return { config, catalog: new Catalog(config, http, priceCatalog), tenants: new TenantRegistry(config), generation: ++generations };
}
