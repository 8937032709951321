/**
 * Cloudflare Workers entry: the same createApp, with `fetch` as the HTTP client. The config is the
 * YAML/JSON text in the `OCTOROUTE_CONFIG` binding (a var or secret); `${VAR}` placeholders in it
 * are filled from the other bindings (e.g. secrets holding provider keys). Parsed once per isolate.
 */
import { createApp } from "./app.js";
import { parseConfig } from "./config/loader.js";
import { fetchHttpClient } from "./providers/http.js";
import { buildRuntime, type Runtime } from "./runtime.js";

interface WorkerEnv {
  OCTOROUTE_CONFIG?: string;
  [binding: string]: unknown;
}

let cached: { text: string; app: ReturnType<typeof createApp> } | undefined;

function appFor(env: WorkerEnv): ReturnType<typeof createApp> {
  const text = env.OCTOROUTE_CONFIG;
  if (!text) throw new Error("OCTOROUTE_CONFIG binding is not set (put the config YAML/JSON in a var or secret)");
  if (cached?.text === text) return cached.app;
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") vars[k] = v;
  const config = parseConfig(text, vars, "OCTOROUTE_CONFIG");
  const runtime: Runtime = buildRuntime(config, fetchHttpClient((input, init) => fetch(input, init)));
  const app = createApp({ runtime: () => runtime });
  cached = { text, app };
  return app;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    try {
      return appFor(env).fetch(request, env, ctx as never);
    } catch (err) {
      const message = `Gateway misconfigured: ${(err as Error).message}`;
      return Response.json({ error: { message, type: "server_error", param: null, code: "config_error" } }, { status: 500 });
    }
  },
};
