/** Every sim behaviour by name, and the extra endpoints they bring. One line per behaviour. */
import type { SimBehaviour, SimEndpoint } from "../types.js";
import { chatter } from "./chatter.js";
import { confidence } from "./confidence.js";
import { functionalRouter } from "./functional-router.js";
import { ngramMoe } from "../token-lm/behaviour.js";
import { solver } from "../task-world/solver.js";
import { judge } from "../task-world/judge.js";
import { rewardEndpoint } from "../task-world/prm.js";

export const BEHAVIOURS: Map<string, SimBehaviour> = new Map<string, SimBehaviour>([
  [chatter.name, chatter],
  [functionalRouter.name, functionalRouter],
  [confidence.name, confidence],
  [solver.name, solver],
  [judge.name, judge],
  [ngramMoe.name, ngramMoe],
]);

export const ENDPOINTS: SimEndpoint[] = [rewardEndpoint];
