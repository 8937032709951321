/**
 * How a chat request is continued token by token. A source either continues a trailing assistant
 * message on the chat endpoint (the upstream declares `assistantPrefix`, e.g. vLLM's
 * `continue_final_message`), or renders the conversation with the model's Jinja `chatTemplate` and
 * continues the text on the completions endpoint. A model offering neither gets a 400 naming what
 * is missing, before any upstream call.
 */
import { Template } from "@huggingface/jinja";
import { GatewayError } from "../../api/errors.js";
import type { ChatMessage } from "../../api/schemas.js";
import type { ModelNode } from "../../models/catalog.js";

export type ContinuationMode = "assistant-prefix" | "completions";

/** The conversation to continue: messages before the answer, and any answer text the client prefilled. */
export interface Conversation {
  messages: ChatMessage[];
  prefill: string;
}

export function messageText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p.text === "string" ? p.text : "")).join("");
  return "";
}

/** Splits off a trailing assistant message: its text is a prefill the answer continues. */
export function conversationOf(messages: readonly ChatMessage[]): Conversation {
  const last = messages.at(-1);
  if (last?.role === "assistant" && !last.tool_calls?.length) return { messages: messages.slice(0, -1), prefill: messageText(last.content) };
  return { messages: [...messages], prefill: "" };
}

/**
 * The continuation route for a node (assistant prefix first, as the upstream's own template is
 * then applied), or a 400 naming the parameter and what the model lacks.
 */
export function continuationMode(node: ModelNode, param: string): ContinuationMode {
  const caps = node.capabilities;
  if (caps.assistantPrefix && caps.chat) return "assistant-prefix";
  if (caps.completions && node.config.chatTemplate) return "completions";
  const missing = caps.completions ? `a chatTemplate in its config (models.${node.name}.chatTemplate)` : "capabilities.assistantPrefix, or capabilities.completions with a chatTemplate";
  throw new GatewayError(`Model "${node.name}" cannot continue a partial answer, which token-level decoding needs: it lacks ${missing}.`, {
    status: 400,
    code: "capability_missing",
    param,
  });
}

/** 400 unless the node returns top logprobs; returns how many it can return (at most 20). */
export function topLogprobsOf(node: ModelNode, param: string): number {
  const caps = node.capabilities;
  if (!caps.logprobs || caps.maxTopLogprobs < 1) {
    throw new GatewayError(`Model "${node.name}" does not return top logprobs (capabilities.logprobs, maxTopLogprobs), which token-level decoding needs.`, {
      status: 400,
      code: "capability_missing",
      param,
    });
  }
  return caps.maxTopLogprobs;
}

const templates = new Map<string, Template>();

/** The prompt text that precedes the answer, rendered with the node's chat template. */
export function renderPrompt(node: ModelNode, conversation: Conversation): string {
  const source = node.config.chatTemplate!;
  const messages = conversation.messages.map((m) => ({ ...m, content: messageText(m.content) }));
  try {
    let template = templates.get(source);
    if (!template) {
      if (templates.size > 64) templates.clear();
      template = new Template(source);
      templates.set(source, template);
    }
    return template.render({ messages, add_generation_prompt: true, bos_token: "", eos_token: "" }) + conversation.prefill;
  } catch (err) {
    // A configuration mistake, not the client's: say which model's template and why.
    throw new GatewayError(`The chatTemplate of model "${node.name}" failed to render: ${(err as Error).message}`, { status: 500, code: "chat_template_error", cause: err });
  }
}
