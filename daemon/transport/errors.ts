// RouterError → wire errors, in one place: JSON-RPC error objects (both transports) and
// OpenAI-style error bodies with HTTP statuses (/v1/*).
import { httpStatusOf, rpcCodeOf, RouterError, type ErrorCode } from '../protocol/errors';

/** Anything thrown becomes a RouterError; unexpected errors are `internal` and say so. */
export function asRouterError(e: unknown): RouterError {
  if (e instanceof RouterError) {
    return e;
  }
  return new RouterError('internal', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data: { code: ErrorCode; details?: Record<string, unknown> };
}

export function rpcErrorOf(err: RouterError): RpcErrorObject {
  return { code: rpcCodeOf(err.code), message: err.message, data: err.details ? { code: err.code, details: err.details } : { code: err.code } };
}

function openAiType(status: number): string {
  if (status === 401) {
    return 'authentication_error';
  }
  if (status === 403) {
    return 'permission_error';
  }
  if (status === 404) {
    return 'not_found_error';
  }
  if (status === 429) {
    return 'rate_limit_error';
  }
  if (status >= 500) {
    return 'api_error';
  }
  return 'invalid_request_error';
}

export interface HttpErrorReply {
  status: number;
  body: { error: { message: string; type: string; code: ErrorCode; param: string | null; details?: Record<string, unknown> } };
}

export function httpErrorOf(err: RouterError): HttpErrorReply {
  const status = httpStatusOf(err.code);
  const param = typeof err.details?.param === 'string' ? err.details.param : null;
  const error: HttpErrorReply['body']['error'] = { message: err.message, type: openAiType(status), code: err.code, param };
  if (err.details) {
    error.details = err.details;
  }
  return { status, body: { error } };
}
