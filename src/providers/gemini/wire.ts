/**
 * The slice of Gemini's `generateContent` wire format the adapter reads and writes. Response
 * types are lenient (everything optional) because upstream responses are read leniently.
 */

export type Part =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown>; id?: string } }
  | { functionResponse: { name: string; response: Record<string, unknown>; id?: string } };

export interface Content {
  role: "user" | "model";
  parts: Part[];
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: Record<string, unknown>; parametersJsonSchema?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ResponsePart {
  text?: string;
  thought?: boolean;
  functionCall?: { name?: string; args?: unknown; id?: string };
  [k: string]: unknown;
}

export interface Candidate {
  index?: number;
  content?: { role?: string; parts?: ResponsePart[] };
  finishReason?: string;
  [k: string]: unknown;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
  [k: string]: unknown;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; [k: string]: unknown };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
  [k: string]: unknown;
}
