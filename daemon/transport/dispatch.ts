// The transport core: one method call, from a name and raw params to a result or a RouterError.
// Both transports (LSP and HTTP /rpc) go through here, so validation and errors are the same.
import type { z } from 'zod';
import { RouterError } from '../protocol/errors';
import { methods, type MethodName } from '../protocol/methods';
import type { CallContext, Handlers } from '../handlers/types';

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** A short, readable summary of zod issues: `messages.0.role: Invalid option …; model: …`. */
export function summariseIssues(issues: readonly z.core.$ZodIssue[], max = 5): string {
  const parts = issues.slice(0, max).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(params)'}: ${i.message}`);
  if (issues.length > max) {
    parts.push(`… and ${issues.length - max} more`);
  }
  return parts.join('; ');
}

export function parseParams<M extends MethodName>(method: M, raw: unknown): z.output<(typeof methods)[M]['params']> {
  const schema = methods[method].params as z.ZodType;
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const first = r.error.issues[0];
    throw new RouterError('invalidParams', `invalid params for ${method}: ${summariseIssues(r.error.issues)}`, {
      method,
      param: first ? first.path.join('.') : null,
      issues: r.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return r.data as z.output<(typeof methods)[M]['params']>;
}

export async function invoke(handlers: Handlers, method: string, raw: unknown, ctx: CallContext): Promise<unknown> {
  if (!isMethodName(method)) {
    throw new RouterError('methodNotFound', `unknown method "${method}": methods are ${Object.keys(methods).join(', ')}`, { method });
  }
  const params = parseParams(method, raw);
  const handler = handlers[method] as (p: unknown, c: CallContext) => Promise<unknown>;
  return handler(params, ctx);
}
