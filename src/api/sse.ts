/**
 * Server-sent events, both ways: a parser for upstream streams (bytes → events) and an encoder
 * for the client side. One implementation serves every provider and the sim.
 */
export interface SseEvent {
  event?: string;
  data: string;
}

const encoder = new TextEncoder();

/** Encodes one `data:` event (JSON-serialised unless already a string). */
export function sseData(payload: unknown, event?: string): Uint8Array {
  const data = typeof payload === "string" ? payload : JSON.stringify(payload);
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}

/** An SSE comment line; OpenAI SDKs ignore these, so they carry progress without breaking clients. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text.replace(/\n/g, " ")}\n\n`);
}

export const SSE_DONE = encoder.encode("data: [DONE]\n\n");

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/**
 * Parses a byte stream into SSE events. Handles CRLF, multi-line data, comments, and chunk
 * boundaries falling anywhere (including inside a multi-byte character).
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event: string | undefined;
  let data: string[] = [];
  // One line in; the finished event when the line ends one (a blank line), else undefined.
  // A plain function rather than a generator per line: streams have thousands of lines.
  const takeLine = (line: string): SseEvent | undefined => {
    if (line === "") {
      const done = data.length > 0 ? { event, data: data.length === 1 ? data[0]! : data.join("\n") } : undefined;
      event = undefined;
      data = [];
      return done;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf("\n", start)) !== -1) {
      const end = nl > start && buffer.charCodeAt(nl - 1) === 13 /* '\r' */ ? nl - 1 : nl;
      const ev = takeLine(buffer.slice(start, end));
      start = nl + 1;
      if (ev) yield ev;
    }
    buffer = start ? buffer.slice(start) : buffer;
  }
  buffer += decoder.decode();
  if (buffer.length > 0) {
    const ev = takeLine(buffer.replace(/\r$/, ""));
    if (ev) yield ev;
  }
  if (data.length > 0) yield { event, data: data.join("\n") };
}
