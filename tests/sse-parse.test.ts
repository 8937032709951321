/** The SSE parser every streaming adapter reads upstreams with: framing, fields, chunk boundaries. */
import { describe, expect, it } from "vitest";
import { parseSse, type SseEvent } from "../src/api/sse.js";

async function parse(chunks: Array<string | Uint8Array>): Promise<SseEvent[]> {
  const enc = new TextEncoder();
  async function* body() {
    for (const c of chunks) yield typeof c === "string" ? enc.encode(c) : c;
  }
  const out: SseEvent[] = [];
  for await (const ev of parseSse(body())) out.push(ev);
  return out;
}

describe("parseSse", () => {
  it("reads data events, named events, multi-line data, and skips comments", async () => {
    const events = await parse([": keep-alive\n\ndata: {\"a\":1}\n\nevent: message_start\ndata: x\n\ndata: one\ndata: two\n\n"]);
    expect(events).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: "message_start", data: "x" },
      { event: undefined, data: "one\ntwo" },
    ]);
  });

  it("handles CRLF line ends and fields without a space after the colon", async () => {
    expect(await parse(["data:a\r\n\r\nevent:e\r\ndata: b\r\n\r\n"])).toEqual([
      { event: undefined, data: "a" },
      { event: "e", data: "b" },
    ]);
  });

  it("joins lines and characters split across chunks", async () => {
    const bytes = new TextEncoder().encode("data: héllo\n\n");
    const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte é
    expect(await parse(["da", "ta: fi", "rst\n", "\ndata: second\r", "\n\r\n", bytes.slice(0, cut), bytes.slice(cut)])).toEqual([
      { event: undefined, data: "first" },
      { event: undefined, data: "second" },
      { event: undefined, data: "héllo" },
    ]);
  });

  it("ends an event the stream closed without a blank line after", async () => {
    expect(await parse(["data: [DONE]"])).toEqual([{ event: undefined, data: "[DONE]" }]);
    expect(await parse(["data: last\n"])).toEqual([{ event: undefined, data: "last" }]);
  });
});
