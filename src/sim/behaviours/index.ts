/** Every sim behaviour by name, and the extra endpoints they bring. One line per behaviour. */
import type { SimBehaviour, SimEndpoint } from "../types.js";
import { chatter } from "./chatter.js";

export const BEHAVIOURS: Map<string, SimBehaviour> = new Map<string, SimBehaviour>([[chatter.name, chatter]]);

export const ENDPOINTS: SimEndpoint[] = [];
