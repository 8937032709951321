/** Every strategy by name. A new strategy is one file and one line here. */
import { noneStrategy } from "./none.js";
import type { Strategy } from "./types.js";

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map<string, Strategy>([[noneStrategy.name, noneStrategy]]);
