/**
 * `responses:` — the Responses API's conversation state. Responses are stored (OpenAI's default)
 * so `previous_response_id` and `GET /v1/responses/{id}` work; how long they are kept and where is
 * an operator's choice (privacy, disk), so it is configurable here.
 */
import { z } from "zod";

export const responsesSchema = z.strictObject({
  /** Hours a stored response stays retrievable; 0 keeps it until deleted. OpenAI keeps 30 days. */
  retentionHours: z.number().min(0).default(720),
  /**
   * Where stored responses live: `database` = the shared embedded database (`database.path`) on
   * Node; `memory` = this process only (lost on restart).
   */
  storage: z.enum(["database", "memory"]).default("database"),
  /** Value of `store` when a request omits it (OpenAI: true). `false` never stores anything. */
  storeByDefault: z.boolean().default(true),
});
export type ResponsesConfig = z.infer<typeof responsesSchema>;
