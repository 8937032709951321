/**
 * The response store contract: where `/v1/responses` keeps conversation state so that
 * `previous_response_id`, `item_reference` and `GET`/`DELETE /v1/responses/{id}` work. Every
 * operation is scoped by tenant: a lookup with another tenant's id finds nothing, exactly as if
 * the id did not exist. Async so that remote stores (D1, Postgres) fit the same contract.
 */
import type { InputItem } from "./schemas.js";
import type { ResponseObject } from "./types.js";

export interface StoredResponse {
  id: string;
  tenant: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms after which the response is gone; null = kept until deleted. */
  expiresAt: number | null;
  /** The response object as the client received it. */
  response: ResponseObject;
  /**
   * The conversation before this response's output: earlier turns (from `previous_response_id`)
   * followed by this request's input, with references resolved. The next turn continues from
   * `input + response.output`, so a chain survives the expiry of its first turns.
   */
  input: InputItem[];
  /** `instructions` of this request (not carried into the next turn, as with OpenAI). */
  instructions: string | null;
}

export interface ResponseStore {
  put(record: StoredResponse): Promise<void>;
  /** The tenant's response, or null when absent, expired or another tenant's. */
  get(tenant: string, id: string): Promise<StoredResponse | null>;
  /** True when something was deleted. */
  delete(tenant: string, id: string): Promise<boolean>;
  /** Drops expired responses; returns how many. */
  purgeExpired(now?: number): Promise<number>;
  /** Writes anything still pending and releases resources (graceful shutdown). */
  close?(): Promise<void>;
}
