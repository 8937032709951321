/**
 * `/v1/embeddings` for Gemini models: `models/{model}:batchEmbedContents`, one request per input
 * text, `dimensions` as `outputDimensionality`. Gemini reports no token usage for embeddings, so
 * the metered client estimates it from the input and marks the call (`usageEstimated`) rather
 * than billing 0 tokens. Token-id inputs have no Gemini equivalent: 400 naming `input`.
 */
import { invalidParam } from "../../api/errors.js";
import type { EmbeddingRequest } from "../../api/schemas.js";
import type { EmbeddingResponse } from "../../api/types.js";

export interface BatchEmbedRequest {
  requests: Array<{ model: string; content: { parts: Array<{ text: string }> }; outputDimensionality?: number }>;
}

export interface BatchEmbedResponse {
  embeddings?: Array<{ values?: number[] }>;
}

/** The request body for `model` (the `models/...` resource name). */
export function toBatchEmbedRequest(model: string, req: EmbeddingRequest): BatchEmbedRequest {
  const texts = typeof req.input === "string" ? [req.input] : req.input;
  if (!texts.every((t): t is string => typeof t === "string")) throw invalidParam("input", "Gemini embedding models take text; token-id inputs are not supported.");
  return { requests: texts.map((text) => ({ model, content: { parts: [{ text }] }, ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}) })) };
}

/** The OpenAI list, floats or base64 (little-endian float32, as OpenAI encodes them). */
export function toEmbeddingResponse(res: BatchEmbedResponse, model: string, req: EmbeddingRequest): EmbeddingResponse {
  const base64 = req.encoding_format === "base64";
  const data = (res.embeddings ?? []).map((e, index) => {
    const values = e.values ?? [];
    const embedding = base64 ? float32Base64(values) : values;
    return { object: "embedding" as const, index, embedding };
  });
  // No usage: Gemini does not report embedding tokens (the metered client estimates them).
  return { object: "list", data, model } as EmbeddingResponse;
}

/** Little-endian float32 bytes as base64, with what every runtime has (no Buffer on Workers). */
function float32Base64(values: number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
