/**
 * The model catalog of a loaded config: each node bound to its provider adapter and price. Built
 * once per config (re)load; requests hold the catalog they started with, so a reload never
 * changes a request midway.
 */
import type { Price } from "../config/common.js";
import type { Capabilities, ModelConfig } from "../config/models.js";
import type { ProviderConfig } from "../config/providers.js";
import type { OctorouteConfig } from "../config/schema.js";
import { AnthropicProvider } from "../providers/anthropic/adapter.js";
import { GeminiProvider } from "../providers/gemini/adapter.js";
import type { HttpClient } from "../providers/http.js";
import { OpenAiCompatibleProvider } from "../providers/openai-compatible/adapter.js";
import type { Provider } from "../providers/types.js";

export interface ModelNode {
  /** Catalog name (what clients and routes call it). */
  name: string;
  /** Name sent upstream. */
  upstreamModel: string;
  config: ModelConfig;
  capabilities: Capabilities;
  provider: Provider;
  providerConfig: ProviderConfig;
  /** undefined → unknown price → cost null. */
  price?: Price;
}

export function createProvider(id: string, config: ProviderConfig, http: HttpClient): Provider {
  switch (config.type) {
    case "openai":
      return new OpenAiCompatibleProvider(id, config, http);
    case "anthropic":
      return new AnthropicProvider(id, config, http);
    case "gemini":
      return new GeminiProvider(id, config, http);
  }
}

export class Catalog {
  readonly nodes = new Map<string, ModelNode>();
  readonly providers = new Map<string, Provider>();

  constructor(config: OctorouteConfig, http: HttpClient, priceCatalog: Record<string, Price> = {}) {
    for (const [id, pc] of Object.entries(config.providers)) this.providers.set(id, createProvider(id, pc, http));
    for (const [name, mc] of Object.entries(config.models)) {
      const upstreamModel = mc.upstreamModel ?? name;
      const provider = this.providers.get(mc.provider)!;
      this.nodes.set(name, {
        name,
        upstreamModel,
        config: mc,
        // An upstream that answers one choice per call can't honour `n`, whatever the config says.
        capabilities: provider.singleChoice && mc.capabilities.n ? { ...mc.capabilities, n: false } : mc.capabilities,
        provider,
        providerConfig: config.providers[mc.provider]!,
        price: mc.price ?? priceCatalog[name] ?? priceCatalog[upstreamModel],
      });
    }
  }

  get(name: string): ModelNode | undefined {
    return this.nodes.get(name);
  }
}
