/**
 * Turns decided tokens into what the client sees: text with stop sequences applied (held back
 * while a stop sequence might still be forming, so nothing after a stop is ever streamed), a whole
 * chat completion, or OpenAI chat chunks.
 */
import type { ChatCompletion, ChatCompletionChunk } from "../../api/types.js";

/** Accumulates text and releases only what can no longer turn out to be part of a stop sequence. */
export class StopFilter {
  private text = "";
  private released = 0;
  private readonly holdBack: number;

  constructor(private readonly stops: readonly string[]) {
    this.holdBack = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  private stopAt(): number {
    let at = -1;
    for (const s of this.stops) {
      const i = this.text.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    return at;
  }

  /** Adds text; returns the newly releasable part. */
  push(piece: string): string {
    this.text += piece;
    const stop = this.stopAt();
    return this.release(stop >= 0 ? stop : this.text.length - this.holdBack);
  }

  /** Releases the rest (cut at the first stop sequence). */
  end(): string {
    const stop = this.stopAt();
    return this.release(stop >= 0 ? stop : this.text.length);
  }

  private release(upTo: number): string {
    if (upTo <= this.released) return "";
    const out = this.text.slice(this.released, upTo);
    this.released = upTo;
    return out;
  }
}

export interface CompletionShape {
  id: string;
  created: number;
  model: string;
}

export function chatCompletion(shape: CompletionShape, content: string, finishReason: string): ChatCompletion {
  return {
    id: shape.id,
    object: "chat.completion",
    created: shape.created,
    model: shape.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finishReason }],
  };
}

export function chatChunk(shape: CompletionShape, delta: ChatCompletionChunk["choices"][number]["delta"], finishReason: string | null = null): ChatCompletionChunk {
  return { id: shape.id, object: "chat.completion.chunk", created: shape.created, model: shape.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
}
