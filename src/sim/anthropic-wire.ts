/**
 * Anthropic Messages protocol for the sim (`POST /v1/messages`).
 * (Being completed by the Anthropic translation work.)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChoiceOut } from "./openai-wire.js";
import type { FaultSpec, GenInput, SimModelConfig } from "./types.js";

export interface AnthropicSimDeps {
  generate(input: Omit<GenInput, "seed" | "index">, n: number): ChoiceOut[];
  outputTokens(choices: ChoiceOut[]): number;
  fault: FaultSpec | undefined;
  stats: { promptTokens: number; completionTokens: number };
  sleep(ms: number): Promise<unknown>;
}

export async function handleAnthropicMessages(_req: IncomingMessage, res: ServerResponse, _body: Record<string, unknown>, _model: SimModelConfig, _deps: AnthropicSimDeps): Promise<void> {
  res.writeHead(501, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type: "not_implemented", message: "Anthropic protocol pending" } }));
}
