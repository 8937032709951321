/**
 * The whole configuration file. Each section lives in its own module; this file only assembles
 * them and checks the cross-references (a model's provider exists, a route's model exists, ...),
 * reporting each problem at its path in the file.
 */
import { z } from "zod";
import { nameSchema } from "./common.js";
import { modelSchema } from "./models.js";
import { providerSchema } from "./providers.js";
import { responsesSchema } from "./responses.js";
import { routeSchema } from "./routes.js";
import { verifierSchema } from "./strategies.js";
import { countersSchema, ledgerSchema, telemetrySchema } from "./telemetry.js";
import { keyHashSchema, tenantSchema } from "./tenants.js";

/** Browser clients (see src/api/cors.ts): which page origins may call the API. */
export const corsSchema = z.strictObject({
  /** `["*"]` (default, as OpenAI's API): any origin; a list of origins (`https://app.example.com`); `[]`: CORS off. */
  origins: z.array(z.union([z.literal("*"), z.url({ protocol: /^https?$/, error: "expected \"*\" or an origin such as https://app.example.com" })])).default(["*"]),
  /** How long a browser may cache a preflight's answer. */
  maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
});
export type CorsConfig = z.infer<typeof corsSchema>;

export const serverSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Largest request body accepted; bigger → 413. */
  bodyLimitBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
  /** Admin keys (hashes) for usage across tenants, metrics and the dashboard. */
  adminKeys: z.array(keyHashSchema).default([]),
  /** Graceful shutdown: how long in-flight requests may take to finish. */
  shutdownGraceMs: z.number().int().min(0).default(10_000),
  /**
   * On shutdown, keep accepting for this long first while `/readyz` answers 503, so a load balancer
   * (or Kubernetes, which removes an endpoint while it signals the pod) stops sending traffic before
   * the port closes. 0: stop accepting at once.
   */
  drainDelayMs: z.number().int().min(0).max(120_000).default(0),
  /**
   * Node only: the JavaScript heap may grow to (1 + p/100) × its live size between full
   * collections (V8's `--heap-growing-percent`). 60 bounds the resident memory under load at a
   * few % CPU; 0 leaves V8's own heuristic (up to 4×). Applied at start (a reload keeps the
   * running value); `--heap-growing-percent` on node's command line wins. See docs/performance.md.
   */
  heapGrowthPercent: z.number().int().min(0).max(1000).default(60),
  /**
   * Node only: V8's allocation-site pretenuring (`--allocation-site-pretenuring`), which allocates
   * objects of a site whose objects mostly survived straight in the old generation. Off by
   * default: the request path's short-lived objects then stay young, and the young-generation GCs
   * promote 2–4× fewer bytes (fewer full GCs, a shorter tail at normal load). Applied at start;
   * either flag on node's command line wins. See docs/performance.md.
   */
  pretenuring: z.boolean().default(false),
  cors: corsSchema.default(corsSchema.parse({})),
});

/** The built-in simulated upstream, started in-process by the Node entry when enabled. */
export const simSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(4010),
  /** Path of a sim config (models, faults) or omitted for the built-in defaults. */
  config: z.string().optional(),
});

/** The embedded database (SQLite file) shared by the ledger, stored responses and router state. */
export const databaseSchema = z.strictObject({
  /** File path, relative to the working directory; `:memory:` keeps nothing across restarts. */
  path: z.string().default("data/octoroute.db"),
});

export const configSchema = z
  .strictObject({
    server: serverSchema.default(serverSchema.parse({})),
    sim: simSchema.default(simSchema.parse({})),
    database: databaseSchema.default(databaseSchema.parse({})),
    providers: z.record(nameSchema, providerSchema),
    /** Path of the price catalog; models without their own price look it up there. */
    priceCatalog: z.string().optional(),
    models: z.record(nameSchema, modelSchema),
    routes: z.record(nameSchema, routeSchema).default({}),
    verifiers: z.record(nameSchema, verifierSchema).default({}),
    tenants: z.record(nameSchema, tenantSchema),
    telemetry: telemetrySchema.optional(),
    ledger: ledgerSchema.optional(),
    counters: countersSchema.optional(),
    /** Stored responses of `/v1/responses` (retention, storage). */
    responses: responsesSchema.default(responsesSchema.parse({})),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, model] of Object.entries(cfg.models)) {
      if (!cfg.providers[model.provider]) {
        ctx.addIssue({ code: "custom", path: ["models", name, "provider"], message: `unknown provider "${model.provider}"` });
      }
      model.fallbacks.forEach((fb, i) => {
        if (!cfg.models[fb]) ctx.addIssue({ code: "custom", path: ["models", name, "fallbacks", i], message: `unknown model "${fb}"` });
      });
      if (model.escalate && !cfg.models[model.escalate]) {
        ctx.addIssue({ code: "custom", path: ["models", name, "escalate"], message: `unknown model "${model.escalate}"` });
      }
    }
    for (const [name, route] of Object.entries(cfg.routes)) {
      if (cfg.models[name]) ctx.addIssue({ code: "custom", path: ["routes", name], message: `route name clashes with model "${name}"` });
      if (route.model && !cfg.models[route.model]) {
        ctx.addIssue({ code: "custom", path: ["routes", name, "model"], message: `unknown model "${route.model}"` });
      }
      route.candidates?.forEach((c, i) => {
        if (!cfg.models[c]) ctx.addIssue({ code: "custom", path: ["routes", name, "candidates", i], message: `unknown model "${c}"` });
      });
      if (!route.model && !route.router && !route.candidates?.length) {
        ctx.addIssue({ code: "custom", path: ["routes", name], message: "a route needs `model` or `router` with `candidates`" });
      }
    }
    for (const [name, tenant] of Object.entries(cfg.tenants)) {
      tenant.models.forEach((m, i) => {
        if (m !== "*" && !cfg.models[m]) ctx.addIssue({ code: "custom", path: ["tenants", name, "models", i], message: `unknown model "${m}"` });
      });
      tenant.routes.forEach((r, i) => {
        if (r !== "*" && !cfg.routes[r]) ctx.addIssue({ code: "custom", path: ["tenants", name, "routes", i], message: `unknown route "${r}"` });
      });
    }
  });

export type OctorouteConfig = z.infer<typeof configSchema>;
/** The config as written by a user, before defaults are applied. */
export type OctorouteConfigInput = z.input<typeof configSchema>;
