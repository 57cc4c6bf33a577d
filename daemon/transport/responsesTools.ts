// The Responses API's tool shapes → canonical function tools, and each call back to the shape the
// client offered. Codex CLI's first request offers all of these, so each has a translation:
// - `function`: one to one.
// - `custom` (freeform, e.g. Codex's `apply_patch`): a function with one string parameter `input`
//   (its grammar goes in the description); its calls go back as `custom_tool_call` items.
// - `namespace` (a group of function/custom tools, e.g. Codex's sub-agent tools): each member
//   becomes a function named `<namespace>__<name>`; its calls go back under their own name with
//   the `namespace` field, as the API returns them.
// - `tool_search` run by the client (Codex's deferred tool discovery): a function with the
//   client's parameters; its calls go back as `tool_search_call` items, and the tools a later
//   `tool_search_output` item loads are offered from then on.
// - `web_search` (any dated variant) runs on OpenAI's servers, which no provider path here has. It
//   is an optional capability the model may use, so it is dropped rather than failing the turn,
//   and the answer names it (x-llm-router-dropped-tools). `tool_search` run by the server is
//   dropped the same way: the deferred tools it would search are offered directly.
// - Every other built-in tool (file_search, code_interpreter, computer use, mcp, image_generation,
//   local_shell, …) changes what the answer means if it is missing: refused with the tool named.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ToolDefinition } from '../protocol/chat';
import { RouterError } from '../protocol/errors';

export const FunctionTool = z.looseObject({ type: z.literal('function'), name: z.string().min(1), description: z.string().nullish(), parameters: z.record(z.string(), z.unknown()).nullish(), strict: z.boolean().nullish() });
export const CustomTool = z.looseObject({ type: z.literal('custom'), name: z.string().min(1), description: z.string().nullish(), format: z.looseObject({ type: z.string() }).nullish() });
const NamespaceTool = z.looseObject({ type: z.literal('namespace'), name: z.string().min(1), description: z.string().nullish(), tools: z.array(z.looseObject({ type: z.string() })) });
const ToolSearchTool = z.looseObject({ type: z.literal('tool_search'), execution: z.enum(['server', 'client']).nullish(), description: z.string().nullish(), parameters: z.record(z.string(), z.unknown()).nullish() });

/** The name a client-executed tool_search call is offered to the model under. */
export const TOOL_SEARCH = 'tool_search';
/** Most providers accept tool names of at most 64 characters from [a-zA-Z0-9_-]. */
const MAX_NAME = 64;
const DROPPED = /^web_search(?:_preview)?(?:_\d{4}_\d{2}_\d{2})?$/;

export interface ClientTool {
  kind: 'function' | 'custom' | 'toolSearch';
  /** The name the client gave it (inside its namespace, if any). */
  name: string;
  namespace?: string;
}

/** A union member chosen by `type`, validated with the path named (never a bare ZodError). */
export function parseAs<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = [where, ...(issue?.path ?? []).map(String)].join('.');
    throw new RouterError('invalidParams', `invalid Responses request: ${path}: ${issue?.message ?? 'invalid'}`, { param: path });
  }
  return r.data;
}

export function unsupported(what: string, param: string): RouterError {
  return new RouterError('unsupportedFeature', `the Responses endpoint cannot honour ${what}`, { feature: what, param });
}

/** The canonical function name of a (namespaced) client tool: deterministic, so history items map without a lookup. */
export function flatName(name: string, namespace?: string | null): string {
  if (!namespace) {
    return name;
  }
  const joined = `${namespace}__${name}`;
  if (joined.length <= MAX_NAME) {
    return joined;
  }
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, 8);
  return `${joined.slice(0, MAX_NAME - 9)}_${hash}`;
}

function customToolFunction(name: string, t: z.infer<typeof CustomTool>): ToolDefinition {
  const format = t.format && t.format.type !== 'text' ? `\n\nThe input must follow this ${String(t.format.type)} format:\n${JSON.stringify(t.format)}` : '';
  return {
    type: 'function',
    function: {
      name,
      description: `${t.description ?? ''}${format}`.trim() || `the ${t.name} tool`,
      parameters: { type: 'object', properties: { input: { type: 'string', description: 'The tool input, as free text.' } }, required: ['input'], additionalProperties: false },
    },
  };
}

/** The tools one request offers, as canonical definitions, and how each call goes back. */
export class ClientTools {
  readonly definitions: ToolDefinition[] = [];
  /** Built-in tools left out of the request (see the header), in order, once each. */
  readonly dropped: string[] = [];
  private readonly byName = new Map<string, ClientTool>();

  of(name: string): ClientTool | undefined {
    return this.byName.get(name);
  }

  isCustom(name: string): boolean {
    return this.byName.get(name)?.kind === 'custom';
  }

  /** Adds the request's `tools` (or the tools a tool_search_output loaded). */
  addAll(tools: readonly unknown[], where: string): void {
    tools.forEach((raw, i) => this.add(raw, `${where}.${i}`));
  }

  private add(raw: unknown, where: string, namespace?: { name: string; description?: string | null }): void {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (type === 'function') {
      const t = parseAs(FunctionTool, raw, where);
      const name = flatName(t.name, namespace?.name);
      const fn: ToolDefinition['function'] = { name };
      const description = namespace?.description ? `${namespace.description}\n\n${t.description ?? ''}`.trim() : t.description;
      if (description) {
        fn.description = description;
      }
      if (t.parameters) {
        fn.parameters = t.parameters;
      }
      if (typeof t.strict === 'boolean') {
        fn.strict = t.strict;
      }
      this.define(where, { kind: 'function', name: t.name, ...(namespace ? { namespace: namespace.name } : {}) }, { type: 'function', function: fn });
    } else if (type === 'custom') {
      const t = parseAs(CustomTool, raw, where);
      const name = flatName(t.name, namespace?.name);
      this.define(where, { kind: 'custom', name: t.name, ...(namespace ? { namespace: namespace.name } : {}) }, customToolFunction(name, t));
    } else if (type === 'namespace' && namespace === undefined) {
      const ns = parseAs(NamespaceTool, raw, where);
      ns.tools.forEach((member, i) => {
        if (member.type !== 'function' && member.type !== 'custom') {
          throw unsupported(`a ${member.type} tool inside namespace "${ns.name}" (only function and custom tools)`, `${where}.tools.${i}`);
        }
        this.add(member, `${where}.tools.${i}`, { name: ns.name, description: ns.description });
      });
    } else if (type === 'tool_search' && namespace === undefined) {
      const t = parseAs(ToolSearchTool, raw, where);
      if (t.execution !== 'client') {
        this.drop('tool_search');
        return;
      }
      const fn: ToolDefinition['function'] = { name: TOOL_SEARCH, description: t.description ?? 'Search for more tools by what they do.' };
      fn.parameters = t.parameters ?? { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] };
      this.define(where, { kind: 'toolSearch', name: TOOL_SEARCH }, { type: 'function', function: fn });
    } else if (typeof type === 'string' && DROPPED.test(type)) {
      this.drop(type);
    } else {
      throw unsupported(`the built-in tool "${String(type)}" (it runs on OpenAI's servers; only function, custom, namespace and client tool_search tools are routed, and web_search is left out)`, where);
    }
  }

  private drop(type: string): void {
    if (!this.dropped.includes(type)) {
      this.dropped.push(type);
    }
  }

  private define(where: string, tool: ClientTool, def: ToolDefinition): void {
    const name = def.function.name;
    const known = this.byName.get(name);
    if (known !== undefined) {
      if (known.kind === tool.kind && known.name === tool.name && known.namespace === tool.namespace) {
        return; // loaded again by a later tool_search_output: offered once
      }
      throw new RouterError('invalidParams', `invalid Responses request: ${where}: a second tool is named "${name}"`, { param: where });
    }
    this.byName.set(name, tool);
    this.definitions.push(def);
  }
}
