// Catalog models as one task sees them: `qualityPrior` is the model's figure for the task's category
// (and for long prompts and tool use). Cached per catalog version and task, so a decision allocates
// nothing for them.
import type { TaskType } from '../protocol/routing';
import type { Catalog, CatalogModel } from './catalog';
import { LONG_PROMPT_TOKENS, taskQuality } from './effort';

export class TaskViews {
  private readonly cache = new Map<string, Map<string, CatalogModel>>();

  constructor(private readonly catalog: () => Catalog) {}

  /** A view function for this task; each model's view is built once per catalog version. */
  forTask(task: TaskType, inputTokens: number, usesTools: boolean): (m: CatalogModel) => CatalogModel {
    const long = inputTokens > LONG_PROMPT_TOKENS;
    const key = `${this.catalog().version}|${task}|${long ? 1 : 0}|${usesTools ? 1 : 0}`;
    let views = this.cache.get(key);
    if (!views) {
      if (this.cache.size > 64) {
        this.cache.clear();
      }
      views = new Map();
      this.cache.set(key, views);
    }
    const cache = views;
    return (m) => {
      let v = cache.get(m.id);
      if (!v || v.contextWindow !== m.contextWindow || v.provider !== m.provider) {
        v = { ...m, qualityPrior: taskQuality(m, task, inputTokens, usesTools) };
        cache.set(m.id, v);
      }
      return v;
    };
  }
}
