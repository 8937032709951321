/** Every strategy by name. A new strategy is one file and one line here. */
import { bestOfN } from "./best-of-n.js";
import { noneStrategy } from "./none.js";
import { particleFilter } from "./particle-filter.js";
import { planSearch } from "./plansearch.js";
import { rebase } from "./rebase.js";
import { selfConsistency } from "./self-consistency.js";
import { contrastStrategy } from "./token-level/contrast.js";
import { guidanceStrategy } from "./token-level/guidance.js";
import { scmoeStrategy } from "./token-level/scmoe.js";
import type { Strategy } from "./types.js";

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map<string, Strategy>([
  [noneStrategy.name, noneStrategy],
  [selfConsistency.name, selfConsistency],
  [bestOfN.name, bestOfN],
  [planSearch.name, planSearch],
  [particleFilter.name, particleFilter],
  [rebase.name, rebase],
  [scmoeStrategy.name, scmoeStrategy],
  [contrastStrategy.name, contrastStrategy],
  [guidanceStrategy.name, guidanceStrategy],
]);
