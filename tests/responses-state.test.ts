/**
 * Conversation state of the Responses API: `previous_response_id` continues a conversation exactly
 * as if the client had resent it; `store: false` leaves nothing retrievable; GET/DELETE; another
 * tenant's id is a 404 that reveals nothing; stored responses survive a restart in the shared
 * database. The store contract (tenant scope, retention) runs against both implementations.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryResponseStore } from "../src/api/responses/memory-store.js";
import type { ResponseStore, StoredResponse } from "../src/api/responses/store.js";
import type { ResponseObject } from "../src/api/responses/types.js";
import { closeDatabase, openDatabase } from "../src/node/database.js";
import { SqliteResponseStore } from "../src/node/response-store-sqlite.js";
import { KEY_A, KEY_B, post, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

describe("conversation state", () => {
  it("continues a conversation with previous_response_id exactly as if it had been resent", async () => {
    const client = stack.client();
    const r1 = await client.responses.create({ model: "sim-small", input: "My name is Ada.", instructions: "You are terse." });
    const r2 = await client.responses.create({ model: "sim-small", previous_response_id: r1.id, input: "What is my name?" });
    const r3 = await client.responses.create({ model: "sim-small", previous_response_id: r2.id, input: [{ role: "user", content: [{ type: "input_text", text: "Spell it." }] }] });
    expect(r2.previous_response_id).toBe(r1.id);
    // Instructions are not carried into the next turn (as with OpenAI); the turns are.
    const chat = await client.chat.completions.create({
      model: "sim-small",
      messages: [
        { role: "user", content: "My name is Ada." },
        { role: "assistant", content: r1.output_text },
        { role: "user", content: "What is my name?" },
        { role: "assistant", content: r2.output_text },
        { role: "user", content: "Spell it." },
      ],
    });
    expect(r3.output_text).toBe(chat.choices[0]!.message.content);
    expect(r3.usage!.input_tokens).toBe(chat.usage!.prompt_tokens);
    expect(r3.usage!.input_tokens).toBeGreaterThan(r2.usage!.input_tokens);
  });

  it("retrieves and deletes a stored response", async () => {
    const client = stack.client();
    const r = await client.responses.create({ model: "sim-small", input: "keep me", metadata: { ticket: "T-1" } });
    // `store` is echoed as OpenAI does (the SDK's type omits it).
    expect((r as unknown as { store: boolean }).store).toBe(true);
    const got = await client.responses.retrieve(r.id);
    expect(got.id).toBe(r.id);
    expect(got.output_text).toBe(r.output_text);
    expect(got.metadata).toEqual({ ticket: "T-1" });
    expect(got.usage).toEqual(r.usage);
    await client.responses.delete(r.id);
    await expect(client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.delete(r.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: "sim-small", previous_response_id: r.id, input: "again" })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
  });

  it("lists a response's input items, earlier turns included, as cursor pages", async () => {
    const client = stack.client();
    const r1 = await client.responses.create({ model: "sim-small", input: "turn one" });
    const r2 = await client.responses.create({ model: "sim-small", previous_response_id: r1.id, input: [{ role: "user", content: "turn two" }] });
    const all = [];
    for await (const item of client.responses.inputItems.list(r2.id, { order: "asc", limit: 1 })) all.push(item);
    expect(all.map((i) => i.type)).toEqual(["message", "message", "message"]);
    expect(all.map((i) => (i.type === "message" ? i.role : ""))).toEqual(["user", "assistant", "user"]);
    expect(all[1]!.id).toBe(r1.output[0]!.id);
    expect(new Set(all.map((i) => i.id)).size).toBe(3);
    const newestFirst = await client.responses.inputItems.list(r2.id);
    expect(newestFirst.data.map((i) => i.id)).toEqual(all.map((i) => i.id).reverse());
    // A listed item can be referenced in a later turn.
    const again = await client.responses.create({ model: "sim-small", input: [{ type: "item_reference", id: all[0]!.id }] });
    const plain = await client.responses.create({ model: "sim-small", input: "turn one" });
    expect(again.output_text).toBe(plain.output_text);
    const bad = await fetch(`${stack.baseURL}/responses/${r2.id}/input_items?limit=0`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("limit");
    const other = await fetch(`${stack.baseURL}/responses/${r2.id}/input_items`, { headers: { authorization: `Bearer ${KEY_B}` } });
    expect(other.status).toBe(404);
  });

  it("leaves nothing retrievable with store: false", async () => {
    const client = stack.client();
    const r = await client.responses.create({ model: "sim-small", input: "forget me", store: false });
    expect((r as unknown as { store: boolean }).store).toBe(false);
    expect(r.output_text.length).toBeGreaterThan(0);
    await expect(client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: "sim-small", previous_response_id: r.id, input: "x" })).rejects.toMatchObject({ status: 404 });
    const streamed = await client.responses.create({ model: "sim-small", input: "forget me too", store: false, stream: true });
    let id = "";
    for await (const ev of streamed) if (ev.type === "response.completed") id = ev.response.id;
    expect(id).toMatch(/^resp_/);
    await expect(client.responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
  });

  it("keeps tenants apart: another tenant's id is a 404 that reveals nothing", async () => {
    const a = stack.client();
    const b = stack.client(KEY_B);
    const secret = await a.responses.create({ model: "sim-small", input: "team-a secret", tools: [{ type: "function", name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } }, strict: false }] });
    const res = await fetch(`${stack.baseURL}/responses/${secret.id}`, { headers: { authorization: `Bearer ${KEY_B}` } });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain("lookup");
    expect(body).not.toContain("team-a");
    await expect(b.responses.delete(secret.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.responses.create({ model: "sim-small", previous_response_id: secret.id, input: "continue" })).rejects.toMatchObject({ status: 404 });
    // Nor can an item of it be referenced.
    const itemRef = await post(stack, "/v1/responses", { model: "sim-small", input: [{ type: "item_reference", id: secret.output[0]!.id }] }, {}, KEY_B);
    expect(itemRef.status).toBe(404);
    expect(((await itemRef.json()) as { error: { param: string } }).error.param).toBe("input[0].id");
    // The owner still has it, and can reference its items.
    expect((await a.responses.retrieve(secret.id)).id).toBe(secret.id);
    const call = secret.output[0]!;
    if (call.type !== "function_call") throw new Error("expected a function call");
    const next = await a.responses.create({
      model: "sim-small",
      input: [
        { role: "user", content: "team-a secret" },
        { type: "item_reference", id: call.id! },
        { type: "function_call_output", call_id: call.call_id, output: "found" },
      ],
    });
    expect(next.output[0]!.type).toBe("message");
  });
});

describe("persistence", () => {
  it("keeps stored responses in the shared database across a restart (memory storage does not)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-responses-"));
    const withDb = (storage: "database" | "memory") => (cfg: Record<string, unknown>) => {
      cfg.database = { path: join(dir, `${storage}.db`) };
      cfg.responses = { storage };
    };
    for (const storage of ["database", "memory"] as const) {
      const first = await startStack({ patch: withDb(storage) });
      const r = await first.client().responses.create({ model: "sim-small", input: `survive ${storage}` });
      await first.close();
      const second = await startStack({ patch: withDb(storage) });
      try {
        const got = second.client().responses.retrieve(r.id);
        if (storage === "database") expect((await got).output_text).toBe(r.output_text);
        else await expect(got).rejects.toMatchObject({ status: 404 });
      } finally {
        await second.close();
      }
    }
  });
});

describe("configuration", () => {
  it("applies responses.retentionHours and responses.storeByDefault", async () => {
    const s = await startStack({ patch: (cfg) => (cfg.responses = { retentionHours: 0.00001, storeByDefault: false }) });
    try {
      const client = s.client();
      // storeByDefault: false → a request that does not say `store` is not kept.
      const unsaid = await client.responses.create({ model: "sim-small", input: "default store" });
      expect((unsaid as unknown as { store: boolean }).store).toBe(false);
      await expect(client.responses.retrieve(unsaid.id)).rejects.toMatchObject({ status: 404 });
      // Stored explicitly, it expires after the retention (0.036 s here).
      const kept = await client.responses.create({ model: "sim-small", input: "short retention", store: true });
      await new Promise((r) => setTimeout(r, 100));
      await expect(client.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await s.close();
    }
  });
});

/** One contract, every implementation (Hono's common-case pattern). */
describe.each([
  ["memory", (now: () => number) => new MemoryResponseStore(now)],
  [
    "sqlite",
    (now: () => number) => {
      const path = join(mkdtempSync(join(tmpdir(), "octoroute-rs-")), "store.db");
      afterAll(() => closeDatabase(path));
      return new SqliteResponseStore(openDatabase(path), now);
    },
  ],
] as Array<[string, (now: () => number) => ResponseStore]>)("%s response store", (_name, make) => {
  const record = (tenant: string, id: string, expiresAt: number | null): StoredResponse => ({
    id,
    tenant,
    createdAt: 1000,
    expiresAt,
    response: { id, object: "response", output: [{ type: "message", id: "msg_1", status: "completed", role: "assistant", content: [] }] } as unknown as ResponseObject,
    input: [{ type: "message", role: "user", content: "hi" }],
    instructions: null,
  });

  it("scopes every operation by tenant", async () => {
    const store = make(() => 5000);
    await store.put(record("a", "resp_1", null));
    expect((await store.get("a", "resp_1"))?.input).toEqual([{ type: "message", role: "user", content: "hi" }]);
    expect(await store.get("b", "resp_1")).toBeNull();
    // Written through (the SQLite store batches writes; purgeExpired flushes them first).
    expect(await store.purgeExpired()).toBe(0);
    expect((await store.get("a", "resp_1"))?.response.output).toHaveLength(1);
    expect(await store.get("b", "resp_1")).toBeNull();
    expect(await store.delete("b", "resp_1")).toBe(false);
    expect(await store.get("a", "resp_1")).not.toBeNull();
    expect(await store.delete("a", "resp_1")).toBe(true);
    expect(await store.get("a", "resp_1")).toBeNull();
    await store.purgeExpired();
    expect(await store.get("a", "resp_1")).toBeNull();
    await store.close?.();
  });

  it("forgets a response once its retention has passed", async () => {
    let now = 5000;
    const store = make(() => now);
    await store.put(record("a", "resp_old", 6000));
    await store.put(record("a", "resp_forever", null));
    expect(await store.get("a", "resp_old")).not.toBeNull();
    await store.purgeExpired();
    expect(await store.get("a", "resp_old")).not.toBeNull();
    now = 6000;
    expect(await store.get("a", "resp_old")).toBeNull();
    expect(await store.delete("a", "resp_old")).toBe(false);
    expect(await store.purgeExpired()).toBeLessThanOrEqual(1);
    expect(await store.get("a", "resp_forever")).not.toBeNull();
  });
});
