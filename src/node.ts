/**
 * Node entry: the Hono app on @hono/node-server with an undici pool per process, the built-in sim
 * when the config enables it, config reload (SIGHUP, file watch) and graceful shutdown.
 */
import { configWarnings } from "./config/warnings.js";
import { watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import type { AddressInfo, Socket } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import { createApp, type GatewayPlugin } from "./app.js";
import type { Readiness } from "./api/readiness.js";
import { deferAfterResponseWith, drainAfterResponse } from "./api/after-response.js";
import { composeHooks, type GatewayHooks } from "./api/hooks.js";
import { useSharedDeadlineTimer } from "./providers/deadlines.js";
import { applyHeapGrowth, applyPretenuring } from "./node/heap-tuning.js";
import { ListenError, listening } from "./node/listen-error.js";
import type { OctorouteConfig } from "./config/schema.js";
import { type Accounting, startAccounting } from "./node/accounting.js";
import { loadConfigFile, loadPriceCatalog } from "./node/config-file.js";
import { responseStoreFor } from "./node/response-store-sqlite.js";
import { prepareRouterConfig, routerStoreFor, withRouters } from "./node/router-config.js";
import { undiciHttpClient } from "./node/undici-http.js";
import { buildRuntime, type Runtime } from "./runtime.js";
import type { SimServer } from "./sim/server.js";
import { loadDashboardAssets } from "./dashboard/node-assets.js";
import { dashboardPlugin } from "./dashboard/plugin.js";
import { budgetRemainingReader } from "./telemetry/otel/budget-remaining.js";
import { type NodeTelemetry, startNodeTelemetry } from "./telemetry/otel/node-telemetry.js";

export interface GatewayOptions {
  /** A parsed config, or a path to load (and watch, when `watch` is set). */
  config: OctorouteConfig | string;
  /** Overrides `server.port` (0 = any free port). */
  port?: number;
  host?: string;
  hooks?: GatewayHooks;
  plugins?: GatewayPlugin[];
  /** Start the sim when the config enables it (default true). */
  startSim?: boolean;
  /** Reload the config file on change (only with a path). */
  watch?: boolean;
  /** Usage ledger, budgets/limits and the usage API (default true; config `ledger:`, tenant `budget`/`limits`). */
  accounting?: boolean;
  /** Called on shutdown after the server stopped accepting and in-flight requests finished. */
  onShutdown?: Array<() => Promise<void> | void>;
  log?: (msg: string) => void;
  /**
   * Node-native request path (default true): handlers read the body from the IncomingMessage and
   * watch the ServerResponse for a disconnect, instead of making the adapter build a WHATWG Request.
   */
  nativeBody?: boolean;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: ServerType;
  sim?: SimServer;
  runtime(): Runtime;
  /** Re-reads the config file and swaps the runtime atomically; returns the error, if any. */
  reload(): Error | null;
  /** Stop accepting, let in-flight requests finish (up to the grace period), release everything. */
  close(): Promise<void>;
  inFlight(): number;
  /** Ledger, counter store and usage API of this gateway (undefined when `accounting: false`). */
  accounting?: Accounting;
  /** OpenTelemetry + Prometheus of this gateway (config `telemetry:`; read once at start). */
  telemetry: NodeTelemetry;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const log = opts.log ?? ((m: string) => console.log(m));
  // Budgets, ledger, metrics and spans of a request run right after its response is written.
  deferAfterResponseWith(setImmediate);
  // Upstream timeouts watched by one shared timer (see providers/deadlines.ts).
  useSharedDeadlineTimer();
  const configPath = typeof opts.config === "string" ? opts.config : undefined;
  const initial = typeof opts.config === "string" ? loadConfigFile(opts.config) : opts.config;
  if (applyHeapGrowth(initial.server.heapGrowthPercent) === "operator") log("server.heapGrowthPercent: --heap-growing-percent on node's command line is kept");
  if (applyPretenuring(initial.server.pretenuring) === "operator") log("server.pretenuring: the pretenuring flag on node's command line is kept");
  const http = undiciHttpClient({
    connections: Math.max(...Object.values(initial.providers).map((p) => p.connections), 16),
    connectTimeoutMs: Math.max(...Object.values(initial.providers).map((p) => p.timeouts.connectMs), 1000),
  });

  let sim: SimServer | undefined;
  if (initial.sim.enabled && opts.startSim !== false) {
    // Loaded only when it runs here (the built-in sim of the example config).
    const [{ startSim }, { loadSimConfig }] = await Promise.all([import("./sim/server.js"), import("./sim/config.js")]);
    try {
      sim = await startSim({ host: initial.sim.host, port: initial.sim.port, ...(initial.sim.config ? loadSimConfig(initial.sim.config) : {}) });
    } catch (err) {
      await http.close().catch(() => http.destroy());
      throw err instanceof ListenError ? new ListenError(err.what, err.address, "sim.port in the config (0 = any free port)", err.cause) : err;
    }
    log(`octoroute sim listening on ${sim.url}`);
  }

  // Routes: artifacts resolve relative to the config file; router state outlives reloads.
  const routerBase = configPath ? dirname(configPath) : process.cwd();
  const routerStore = routerStoreFor(initial);
  let current = withRouters(buildRuntime(prepareRouterConfig(initial, routerBase), http, configPath ? loadPriceCatalog(initial, configPath) : {}), routerStore);
  for (const w of configWarnings(initial)) log(`warning: ${w}`);
  const reload = (): Error | null => {
    if (!configPath) return new Error("config was not loaded from a file");
    try {
      const next = loadConfigFile(configPath);
      current = withRouters(buildRuntime(prepareRouterConfig(next, routerBase), http, loadPriceCatalog(next, configPath)), routerStore);
      log(`config reloaded (generation ${current.generation})`);
      for (const w of configWarnings(next)) log(`warning: ${w}`);
      return null;
    } catch (err) {
      log(`config reload failed, keeping the previous config: ${(err as Error).message}`);
      return err as Error;
    }
  };

  const accounting = opts.accounting === false ? undefined : await startAccounting(initial, () => current, log);
  const ledger = accounting?.ledger;
  const telemetry = await startNodeTelemetry(initial.telemetry, {
    budgetRemaining: accounting && budgetRemainingReader(() => current.config, (scope, now) => accounting.store.spend(scope, now)),
    log,
    // Spans read finished requests from the SQLite ledger's hand-offs: one crossing, one parse.
    ...(ledger?.backend.publishSummaries ? { feed: { start: () => ledger.backend.publishSummaries!(), flush: () => ledger.flush() } } : {}),
  });
  const responseStore = responseStoreFor(initial);
  const hooks = composeHooks(accounting?.hooks, opts.hooks, telemetry.telemetry.hooks);
  let draining = false;
  const readiness = (): Readiness => {
    const checks: Readiness["checks"] = { server: draining ? { status: "failing", detail: "shutting down" } : { status: "ok" } };
    const store = accounting?.store;
    if (store?.reachable) checks.counters = store.reachable() ? { status: "ok" } : { status: "degraded", detail: `shared counters unreachable (onUnavailable: ${initial.counters?.onUnavailable ?? "allow"})` };
    const ledger = accounting?.ledger;
    if (ledger) checks.ledger = ledger.failing ? { status: "degraded", detail: `writes failing, ${ledger.pending()} rows kept for retry` } : { status: "ok" };
    return { ready: !draining, checks };
  };
  const app = createApp({ runtime: () => current, hooks, plugins: [...(accounting?.plugins ?? []), ...(opts.plugins ?? []), ...telemetry.plugins, dashboard(telemetry)], responseStore, readiness });
  let inFlight = 0;
  let idleResolvers: Array<() => void> = [];
  // By default handlers use the Node bindings (api/body.ts, api/request-context.ts); hiding them
  // forces the adapter's WHATWG Request path (the benchmark's "before").
  const fetch = opts.nativeBody === false ? (req: Request) => app.fetch(req, {}) : app.fetch;
  const server = serve({ fetch, port: opts.port ?? initial.server.port, hostname: opts.host ?? initial.server.host });
  // In-flight = requests whose response has not closed yet (streams included); shutdown waits on it.
  // While draining, every response ends its connection, so clients on keep-alive sockets can't
  // keep sending new requests to a gateway that is shutting down. Connections are tracked, not
  // responses: a Set taking and dropping every response kept them (and all they hold) alive
  // through young-generation GCs — ~0.5 MB more surviving each scavenge under load, ~15 µs of
  // CPU per request (bench:accounting with --trace-gc-nvp). A connection lives for many requests.
  const connections = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    if (draining) res.setHeader("connection", "close");
    res.once("close", finishOne);
  });
  const startDraining = () => {
    draining = true;
    // The response each connection is answering now (Node keeps it as the socket's `_httpMessage`).
    for (const socket of connections) {
      const res = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      if (res && !res.headersSent) res.setHeader("connection", "close");
    }
  };
  function finishOne() {
    inFlight--;
    if (inFlight === 0) {
      for (const r of idleResolvers) r();
      idleResolvers = [];
    }
  }
  const host = opts.host ?? initial.server.host;
  try {
    await listening(server, "octoroute", `${host}:${opts.port ?? initial.server.port}`, "server.port in the config, --port or PORT");
  } catch (err) {
    // Nothing started for this gateway may outlive the failed start.
    await responseStore.close?.();
    await accounting?.close();
    await telemetry.close();
    await http.close().catch(() => http.destroy());
    await sim?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;

  let watcher: FSWatcher | undefined;
  if (configPath && opts.watch) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    watcher = watch(configPath, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 100);
    });
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      watcher?.close();
      draining = true;
      // Not ready first, still serving: traffic moves away before the port closes.
      const delay = current.config.server.drainDelayMs;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      startDraining();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        const grace = setTimeout(() => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          resolve();
        }, current.config.server.shutdownGraceMs);
        const waitIdle = new Promise<void>((r) => (inFlight === 0 ? r() : idleResolvers.push(r)));
        waitIdle.then(() => {
          clearTimeout(grace);
          (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
      });
      // Accounting of the last requests (deferred to after their responses) is done before anything closes.
      drainAfterResponse();
      for (const fn of opts.onShutdown ?? []) await fn();
      // In-flight requests are done: write the last stored responses and ledger rows before the process exits.
      await responseStore.close?.();
      await accounting?.close();
      await telemetry.close();
      await http.close().catch(() => http.destroy());
      await sim?.close();
    })());

  return { url: `http://${host}:${port}`, port, server, sim, runtime: () => current, reload, close, inFlight: () => inFlight, telemetry, accounting };
}

/** The cost dashboard, with the idealised latency kept by telemetry. */
function dashboard(telemetry: NodeTelemetry): GatewayPlugin {
  return dashboardPlugin({ assets: loadDashboardAssets(), latency: (tenant) => telemetry.telemetry.latency(tenant) });
}
