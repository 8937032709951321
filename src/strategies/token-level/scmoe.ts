/**
 * `scmoe`: self-contrast of a mixture-of-experts model (Shi et al., SCMoE). The strong source is the
 * MoE with its normal top-2 routing; the weak source is the same model served with a single,
 * lower-ranked expert — a second catalog node whose `extraBody` turns the backend's expert knob.
 * Next token: argmax of `(1+β)·z_strong − β·z_weak` over plausible tokens (β 0.5, α 0.1).
 */
import { tokenLevelStrategy } from "./strategy.js";

export const scmoeStrategy = tokenLevelStrategy("scmoe");
