/**
 * The background thread (SQLite ledger, span export) dying — an uncaught error, memory exhausted —
 * must not end accounting for the life of the process: the next call starts a new thread, the
 * ledger reopens its file and writes the rows it kept, spans are exported again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopBackgroundThread } from "../src/node/background.js";
import { type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
let collector: Server;
const spanNames: string[] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(parts).toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }> };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) {
          const id = sp.attributes.find((a) => a.key === "octoroute.request_id")?.value.stringValue;
          if (id) spanNames.push(id);
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  stack = await startStack({ patch: (c) => void (c.telemetry = { otlp: { endpoint, protocol: "http/json", traces: true, metrics: false }, sampling: { ratio: 1 } }) });
});
afterAll(async () => {
  await stack?.close();
  await new Promise((r) => collector.close(r));
});

const ask = (id: string) => stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: id }] }, { headers: { "x-request-id": id } });

describe("when the background thread dies", () => {
  it("the ledger and span export start a new one and lose no ledger row", async () => {
    const ledger = stack.gateway.accounting!.ledger!;
    await ask("recover-before");
    await ledger.flush();
    await stopBackgroundThread();
    await new Promise((r) => setTimeout(r, 1100)); // restarts are at most once a second
    await ask("recover-after-1");
    await ask("recover-after-2");
    await ledger.flush();
    for (const id of ["recover-before", "recover-after-1", "recover-after-2"]) {
      const rows = await ledger.rowsOf(id);
      expect([id, rows.requests.length, rows.calls.length]).toEqual([id, 1, 1]);
    }
    await stack.gateway.telemetry.telemetry.flush();
    expect(spanNames).toContain("recover-after-2");
  });
});
