/**
 * `functional-router`: a sim router model in the Octopus v4 style. It reads the worker list from
 * the system prompt (`<nexa_i> name: description`), picks the worker whose description shares the
 * most words with the user's request, and answers `<nexa_i>('query')<nexa_end>`, with top
 * logprobs over the candidate tokens on the first token. With `options.garbage: true` it answers
 * prose that no parser should accept (for the fallback path).
 */
import type { GenInput, GenOutput, GenToken, SimBehaviour } from "../types.js";

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);

export const functionalRouter: SimBehaviour = {
  name: "functional-router",
  generate(input: GenInput): GenOutput {
    const tok = (text: string, logprob = -0.01): GenToken => ({ text, logprob, top: input.topLogprobs ? [{ token: text, logprob }] : [] });
    if (input.model.options?.garbage) {
      const text = ["I", " would", " probably", " pick", " the", " second", " one", ",", " maybe", "."];
      return { tokens: text.map((t) => tok(t, -1.2)), finishReason: "stop" };
    }
    const system = contentText(input.messages.find((m) => m.role === "system")?.content);
    const user = contentText([...input.messages].reverse().find((m) => m.role === "user")?.content);
    const workers = [...system.matchAll(/^<nexa_(\d+)> ([^:\n]+): (.*)$/gm)].map((m) => ({ index: Number(m[1]), words: words(`${m[2]} ${m[3]}`) }));
    const asked = words(user);
    let best = workers[0]?.index ?? 0;
    let bestScore = -1;
    for (const w of workers) {
      let s = 0;
      for (const x of w.words) if (asked.has(x)) s++;
      if (s > bestScore) ((bestScore = s), (best = w.index));
    }
    const top = workers
      .map((w) => ({ token: `<nexa_${w.index}>`, logprob: w.index === best ? -0.05 : -3 - w.index * 0.1 }))
      .sort((a, b) => b.logprob - a.logprob)
      .slice(0, Math.max(input.topLogprobs, 0));
    const query = user.replace(/['"\n]/g, " ").trim().slice(0, 200);
    const tokens: GenToken[] = [{ text: `<nexa_${best}>`, logprob: -0.05, top }, tok("('"), ...query.split(/(?=\s)/).map((w) => tok(w)), tok("')"), tok("<nexa_end>")];
    return { tokens, finishReason: "stop" };
  },
};
