/**
 * `contrast`: contrastive decoding (Li et al. 2023) between a strong model and a different, cheaper
 * weak model. Same formula as `scmoe`, `(1+β)·z_strong − β·z_weak` with the plausibility mask;
 * only the weak source differs.
 */
import { tokenLevelStrategy } from "./strategy.js";

export const contrastStrategy = tokenLevelStrategy("contrast");
