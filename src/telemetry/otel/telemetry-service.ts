/**
 * The gateway's telemetry as a background-thread service (`telemetry-thread.ts` is the main-thread side):
 * runs the OpenTelemetry SDK — metric instruments, span creation, OTLP/HTTP export, Prometheus
 * rendering — on finished requests that arrive in batches, so none of it runs on the event loop
 * that serves requests. Asks the main thread for the budget gauge's values when metrics are read.
 */
import type { MessagePort } from "node:worker_threads";
import type { TelemetryConfig } from "../../config/telemetry.js";
import { parseSummaries } from "../summary-json.js";
import { type BudgetRemaining, startTelemetry } from "./node-sdk.js";

/** Main → worker. */
export type ToTelemetryService =
  | { t: "batch"; data: string }
  | { t: "call"; id: number; method: "render" | "flush" | "shutdown" }
  | { t: "answer"; id: number; result: BudgetRemaining[] };
/** Worker → main. */
export type FromTelemetryService =
  | { t: "result"; id: number; result?: string; error?: string }
  | { t: "ask"; id: number }
  | { t: "log"; msg: string };

export function serve(port: MessagePort, input: unknown): void {
  const data = input as { config: TelemetryConfig; serviceVersion?: string; budgets: boolean };
  const send = (m: FromTelemetryService) => port.postMessage(m);

  let asked = 0;
  const answers = new Map<number, (v: BudgetRemaining[]) => void>();
  const askBudgets = () =>
    new Promise<BudgetRemaining[]>((resolve) => {
      const id = ++asked;
      answers.set(id, resolve);
      send({ t: "ask", id });
    });

  const telemetry = startTelemetry(data.config, {
    serviceVersion: data.serviceVersion,
    log: (msg) => send({ t: "log", msg }),
    budgetRemaining: data.budgets ? askBudgets : undefined,
  });

  port.on("message", async (m: ToTelemetryService) => {
    if (m.t === "batch") {
      for (const s of parseSummaries(m.data)) telemetry.hooks.onRequestEnd(s);
    } else if (m.t === "answer") {
      answers.get(m.id)?.(m.result);
      answers.delete(m.id);
    } else {
      try {
        const result = m.method === "render" ? await telemetry.renderPrometheus() : m.method === "flush" ? await telemetry.flush() : await telemetry.shutdown();
        send({ t: "result", id: m.id, result: result ?? undefined });
      } catch (err) {
        send({ t: "result", id: m.id, error: (err as Error).message ?? String(err) });
      }
    }
  });
}
