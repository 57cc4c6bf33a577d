// Policies: named routing recipes (which models, which strategy, what ceilings). Four are built
// in; users add or replace them in settings. A task type picks a policy when the caller names none.
import { RouterError } from '../protocol/errors';
import type { TaskType } from '../protocol/routing';
import type { Policy } from '../protocol/routing-methods';

export const BUILT_IN_POLICIES: readonly Policy[] = [
  {
    name: 'normal',
    description: 'Every model; the learned quality model against cost, by the tradeoff.',
    models: [],
    strategy: { name: 'learned' },
  },
  {
    name: 'deep-research',
    description: 'The strongest reasoning models; quality first, long answers, escalation on.',
    models: ['claude-opus-4-5', 'gemini-3-pro', 'gpt-5.2', 'gpt-5.1', 'claude-sonnet-4-5', 'o3', 'grok-4', 'kimi-k2-thinking', 'deepseek-reasoner'],
    strategy: { name: 'quality-first' },
    tradeoff: 'quality',
    maxTokens: 8000,
    temperature: 0.3,
    escalation: { enabled: true },
  },
  {
    name: 'code',
    description: 'Models that write and review code well; balanced, low temperature, escalation on.',
    models: ['claude-sonnet-4-5', 'claude-opus-4-5', 'gpt-5.1', 'gpt-5.2', 'gemini-3-pro', 'gemini-3-flash', 'claude-haiku-4-5', 'gpt-5-mini', 'kimi-k2', 'deepseek-chat', 'grok-4-1-fast-reasoning', 'gpt-4.1', 'gpt-4.1-mini'],
    strategy: { name: 'learned' },
    tradeoff: 'balanced',
    temperature: 0.2,
    maxTokens: 4000,
    escalation: { enabled: true },
  },
  {
    name: 'ops',
    description: 'Small, fast, cheap models for commit messages, renames, log triage.',
    models: ['gpt-4.1-nano', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'llama-3.1-8b-instant', 'gpt-5-nano', 'gpt-4o-mini', 'gpt-4.1-mini', 'claude-haiku-4-5', 'mistral-small'],
    strategy: { name: 'cost-aggressive', minQuality: 0.55 },
    tradeoff: 'cost',
    maxCostUsd: 0.005,
    maxTokens: 1024,
    temperature: 0.2,
  },
];

export const DEFAULT_TASK_POLICIES: Partial<Record<TaskType, string>> = { code: 'code' };

export class PolicySet {
  private readonly byName = new Map<string, Policy>();
  readonly taskPolicies: Partial<Record<TaskType, string>>;

  constructor(userPolicies: readonly Policy[] = [], taskPolicies: Partial<Record<TaskType, string>> = {}) {
    for (const p of [...BUILT_IN_POLICIES, ...userPolicies]) {
      this.byName.set(p.name, p);
    }
    this.taskPolicies = { ...DEFAULT_TASK_POLICIES, ...taskPolicies };
    for (const [task, name] of Object.entries(this.taskPolicies)) {
      if (!this.byName.has(name)) {
        throw new RouterError('unknownPolicy', `task type "${task}" maps to unknown policy "${name}"`, { policy: name });
      }
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Policy {
    const p = this.byName.get(name);
    if (!p) {
      throw new RouterError('unknownPolicy', `unknown policy "${name}": known policies are ${[...this.byName.keys()].join(', ')}`, { policy: name });
    }
    return p;
  }

  forTask(task: TaskType): Policy {
    return this.get(this.taskPolicies[task] ?? 'normal');
  }

  list(): Policy[] {
    return [...this.byName.values()];
  }
}
