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
  const flushLine = function* (line: string): Generator<SseEvent> {
    if (line === "") {
      if (data.length > 0) yield { event, data: data.join("\n") };
      event = undefined;
      data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) !== -1) {
      let line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      yield* flushLine(line);
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield* flushLine(buffer.replace(/\r$/, ""));
  if (data.length > 0) yield { event, data: data.join("\n") };
}
