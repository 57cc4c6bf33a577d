// A provider adapter is data plus pure transforms (as Portkey's gateway separates them): it
// builds the HTTP request, parses the answer, the stream and the errors. Only
// `providers/http.ts` performs HTTP, so every adapter is tested against recorded fixtures.
import type { ChatRequest, ChatResult, EffortLevel, StreamEvent } from '../protocol/chat';
import type { ErrorCode } from '../protocol/errors';

export interface HttpRequestSpec {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface BuildOptions {
  /** The provider's own model id. */
  apiModel: string;
  stream: boolean;
  apiKey: string;
  baseUrl: string;
  /**
   * The reasoning setting routing chose for this model, in the model's own terms: an effort name
   * (OpenAI-style), a thinking budget (Anthropic, Gemini 2.5) or a thinking level (Gemini 3).
   * Absent: the provider's default.
   */
  reasoning?: ReasoningSetting | undefined;
}

export interface ReasoningSetting {
  control: 'effort' | 'budget' | 'level' | 'fixed';
  effort: EffortLevel;
  budgetTokens?: number | undefined;
}

/** How a failed call is classified: this decides retry, fallback and the ledger's error code. */
export interface ProviderFailure {
  code: ErrorCode;
  retryable: boolean;
  /** From `retry-after` / `retry-after-ms` when the provider sent one. */
  retryAfterMs?: number;
  /** Safe to show: never contains the API key. */
  message: string;
  status?: number;
}

export interface StreamParser {
  /** Feed raw bytes decoded as text (any chunking); returns the complete events found so far. */
  push(text: string): StreamEvent[];
  /** The stream closed; returns what remains, or throws a ProviderError if it was cut short. */
  end(): StreamEvent[];
}

export interface ProviderAdapter {
  id: string;
  defaultBaseUrl: string;
  buildRequest(request: ChatRequest, options: BuildOptions): HttpRequestSpec;
  parseResponse(body: string): ChatResult;
  createStreamParser(): StreamParser;
  classifyError(status: number, headers: Record<string, string | string[] | undefined>, body: string): ProviderFailure;
}

/** A classified provider failure, thrown by adapters and the HTTP module. */
export class ProviderError extends Error {
  readonly failure: ProviderFailure;
  constructor(failure: ProviderFailure) {
    super(failure.message);
    this.name = 'ProviderError';
    this.failure = failure;
  }
}
