/**
 * `guidance`: CoRe²-style weak-to-strong guidance. For a guidance window (the first `window`
 * tokens, default 32, or until the answer contains `until`) the next token maximises
 * `z_weak + ω·(z_strong − z_weak)` (ω 1.5); after it, one plain streamed call to the strong model
 * finishes the answer, which saves the weak model's calls where guidance matters least.
 */
import { tokenLevelStrategy } from "./strategy.js";

export const guidanceStrategy = tokenLevelStrategy("guidance");
