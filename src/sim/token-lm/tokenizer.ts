/**
 * The token LM's tokenizer. Like GPT-style BPE vocabularies, a newline is its own token and a word
 * or punctuation mark carries at most one leading space, so a chat template ending in "\n" is
 * followed by a clean first token. Every character belongs to exactly one token, so tokens always
 * concatenate back to the text (echo offsets depend on that).
 */
const TOKEN = /\n|[ ]?[A-Za-z0-9]+|[ ]?#+|[ ]?[^\sA-Za-z0-9]|[ \t]+|\s/gu;

/** Splits text into tokens whose concatenation is the text. */
export function lmTokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const ALNUM_START = /^[A-Za-z0-9]/;
const ALNUM_END = /[A-Za-z0-9]$/;

/**
 * Whether appending `token` after `text` would merge into the previous token (a word directly
 * after a word). The LM never proposes such tokens, so its own output re-tokenizes identically.
 */
export function wouldMerge(text: string, token: string): boolean {
  return ALNUM_END.test(text) && ALNUM_START.test(token);
}
