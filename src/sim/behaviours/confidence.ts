/**
 * `confidence`: a sim model whose certainty is set by the test. Its answer's token logprobs are
 * all `log(c)`, where `c` comes from a `[conf=0.2]` marker in the last user message, else from
 * `options.confidence` (default 0.9) — so a cascade can be shown a confident and an unsure answer.
 * As a judge (system prompt starting "You check answers") it says Yes when the judged answer
 * carries `[good]`, No otherwise, with top logprobs over Yes/No.
 */
import type { GenInput, GenOutput, GenToken, SimBehaviour } from "../types.js";

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

export const confidence: SimBehaviour = {
  name: "confidence",
  generate(input: GenInput): GenOutput {
    const system = contentText(input.messages.find((m) => m.role === "system")?.content);
    const user = contentText([...input.messages].reverse().find((m) => m.role === "user")?.content);
    if (system.startsWith("You check answers")) {
      const yes = /\[good\]/.test(user);
      const top = [
        { token: "Yes", logprob: yes ? -0.05 : -3 },
        { token: "No", logprob: yes ? -3 : -0.05 },
      ].sort((a, b) => b.logprob - a.logprob);
      return { tokens: [{ text: yes ? "Yes" : "No", logprob: -0.05, top: top.slice(0, input.topLogprobs) }], finishReason: "stop" };
    }
    const m = /\[conf=([0-9.]+)\]/.exec(user);
    const c = Math.min(1, Math.max(1e-6, m ? Number(m[1]) : Number(input.model.options?.confidence ?? 0.9)));
    const lp = Math.log(c);
    const marker = c >= 0.5 ? " [good]" : "";
    const text = `${input.model.name} answers: the result is 42.${marker}`.split(/(?=\s)/);
    const tokens: GenToken[] = text.map((t) => ({ text: t, logprob: lp, top: input.topLogprobs ? [{ token: t, logprob: lp }] : [] }));
    return { tokens, finishReason: "stop" };
  },
};
