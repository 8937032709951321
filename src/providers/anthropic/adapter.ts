/**
 * Anthropic Messages adapter: translates canonical OpenAI chat requests to Messages and back.
 * (Being completed: see the Anthropic translation work.)
 */
import { GatewayError } from "../../api/errors.js";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse } from "../../api/types.js";
import type { ProviderConfig } from "../../config/providers.js";
import type { HttpClient } from "../http.js";
import type { CallOptions, Provider, ProviderResult, ProviderStream } from "../types.js";

const unsupported = (what: string) =>
  new GatewayError(`The Anthropic Messages API has no ${what} endpoint.`, { status: 400, code: "unsupported_by_provider", param: "model" });

export class AnthropicProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly system = "anthropic";

  constructor(
    readonly id: string,
    readonly config: ProviderConfig,
    readonly http: HttpClient,
  ) {}

  chat(_model: string, _req: ChatRequest, _opts: CallOptions): Promise<ProviderResult<ChatCompletion>> {
    return Promise.reject(unsupported("chat (adapter pending)"));
  }
  chatStream(_model: string, _req: ChatRequest, _opts: CallOptions): Promise<ProviderStream<ChatCompletionChunk>> {
    return Promise.reject(unsupported("chat (adapter pending)"));
  }
  complete(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderResult<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }
  completeStream(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderStream<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }
  embed(_model: string, _req: EmbeddingRequest, _opts: CallOptions): Promise<ProviderResult<EmbeddingResponse>> {
    return Promise.reject(unsupported("embeddings"));
  }
}
