// Stable error codes shared by every transport. The string code is the contract; the JSON-RPC
// number and HTTP status are derived from it once, at the transport edge.

export const ErrorCodes = {
  parseError: { rpc: -32700, http: 400 },
  invalidRequest: { rpc: -32600, http: 400 },
  methodNotFound: { rpc: -32601, http: 404 },
  invalidParams: { rpc: -32602, http: 400 },
  internal: { rpc: -32603, http: 500 },
  unauthorized: { rpc: -32001, http: 401 },
  forbiddenOrigin: { rpc: -32002, http: 403 },
  payloadTooLarge: { rpc: -32003, http: 413 },
  notFound: { rpc: -32004, http: 404 },
  unknownModel: { rpc: -32010, http: 404 },
  unknownPolicy: { rpc: -32011, http: 400 },
  noCandidate: { rpc: -32012, http: 422 },
  contextTooLong: { rpc: -32013, http: 400 },
  unsupportedFeature: { rpc: -32014, http: 400 },
  budgetExceeded: { rpc: -32020, http: 402 },
  implausiblePrice: { rpc: -32021, http: 400 },
  pathNotWritable: { rpc: -32022, http: 400 },
  /** The user paused all spending (the kill switch); resume to send again. */
  spendingPaused: { rpc: -32023, http: 423 },
  providerError: { rpc: -32030, http: 502 },
  providerTimeout: { rpc: -32031, http: 504 },
  providerRateLimited: { rpc: -32032, http: 429 },
  providerAuth: { rpc: -32033, http: 502 },
  providerContentPolicy: { rpc: -32034, http: 400 },
  providerContextLength: { rpc: -32035, http: 400 },
  providerUnavailable: { rpc: -32036, http: 503 },
  noApiKey: { rpc: -32040, http: 400 },
  keychainUnavailable: { rpc: -32041, http: 503 },
  storeUnavailable: { rpc: -32050, http: 503 },
  /** Team mode: the team database cannot be reached (or refuses us) and the lease cannot cover the call. */
  teamUnavailable: { rpc: -32051, http: 503 },
  conflict: { rpc: -32060, http: 409 },
  cancelled: { rpc: -32800, http: 499 },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Machine-readable details; never contains secrets. */
  details?: Record<string, unknown>;
}

/** The one error type that crosses the wire. Anything else is reported as `internal`. */
export class RouterError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'RouterError';
    this.code = code;
    this.details = details;
  }
  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCodes, value);
}

export function rpcCodeOf(code: ErrorCode): number {
  return ErrorCodes[code].rpc;
}

export function httpStatusOf(code: ErrorCode): number {
  return ErrorCodes[code].http;
}

/** Maps a JSON-RPC numeric error back to our code (clients use this to rebuild a RouterError). */
export function errorCodeFromRpc(rpc: number): ErrorCode {
  for (const [code, v] of Object.entries(ErrorCodes)) {
    if (v.rpc === rpc) {
      return code as ErrorCode;
    }
  }
  return 'internal';
}
