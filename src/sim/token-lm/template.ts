/**
 * How the token LM's chat endpoint turns messages into text. The same rendering, written as a
 * Jinja chat template (`SIM_CHAT_TEMPLATE`), goes in the gateway config for completions-based
 * continuation, so both continuation routes see the same prompt text.
 */

/** The sim LM's chat template in Hugging Face (Jinja) form. */
export const SIM_CHAT_TEMPLATE =
  "{% for m in messages %}{% if m.role == 'user' %}Question: {{ m.content }}\n{% elif m.role == 'assistant' %}Answer:\n{{ m.content }}\n{% else %}{{ m.content }}\n{% endif %}{% endfor %}{% if add_generation_prompt %}Answer:\n{% endif %}";

interface Message {
  role: string;
  content?: unknown;
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

/**
 * Prompt text for a chat. With `continueFinal` (vLLM's `continue_final_message`) a trailing
 * assistant message is left open so the model continues it; otherwise a new answer starts.
 */
export function renderChat(messages: readonly Message[], continueFinal: boolean): string {
  const last = messages.at(-1);
  const open = continueFinal && last?.role === "assistant";
  let out = "";
  for (const m of open ? messages.slice(0, -1) : messages) {
    const c = text(m.content);
    out += m.role === "user" ? `Question: ${c}\n` : m.role === "assistant" ? `Answer:\n${c}\n` : `${c}\n`;
  }
  out += "Answer:\n";
  if (open) out += text(last!.content);
  return out;
}
