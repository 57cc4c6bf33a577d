// A prompt's category mix (TASK_CATEGORIES) from what it means and how it looks. Two views are
// blended: the task type the cue rules of features.ts found (code fences, "solve", "write a poem"),
// and how close the prompt's mean word vector lies to each category's seed words — which carries to
// words no rule and no training prompt contains ("compose a limerick" lands near "poem").
// Long prompts and requests offering tools take a share for `longContext` and `tools`.
import type { TaskType } from '../protocol/routing';
import { TASK_CATEGORIES, type TaskCategory } from './taskCategories';
import type { WordVectors } from './wordVectors';

type SemanticCategory = Exclude<TaskCategory, 'tools' | 'longContext'>;
const SEMANTIC: readonly SemanticCategory[] = ['code', 'math', 'reasoning', 'writing', 'extraction', 'chat'];

/** Seed words per category (all among the shipped vectors' words; a unit test keeps it so). */
export const CATEGORY_SEEDS: Record<SemanticCategory, readonly string[]> = {
  code: ['code', 'function', 'program', 'programming', 'software', 'bug', 'compile', 'variable', 'algorithm', 'database', 'python', 'java', 'script', 'computer', 'server', 'array', 'syntax', 'implement'],
  math: ['math', 'equation', 'calculate', 'integral', 'probability', 'theorem', 'algebra', 'geometry', 'fraction', 'solve', 'proof', 'matrix', 'sum', 'multiply', 'percentage', 'formula', 'arithmetic', 'triangle'],
  reasoning: ['why', 'explain', 'reason', 'logic', 'argument', 'analyze', 'compare', 'evaluate', 'cause', 'implications', 'strategy', 'justify', 'hypothesis', 'evidence', 'conclude', 'principle', 'dilemma', 'consequences'],
  writing: ['write', 'story', 'poem', 'essay', 'song', 'lyrics', 'novel', 'character', 'creative', 'letter', 'fiction', 'narrative', 'poetry', 'verse', 'dialogue', 'speech', 'tale', 'rhyme'],
  extraction: ['summary', 'extract', 'list', 'table', 'classify', 'format', 'convert', 'translate', 'outline', 'excerpt', 'index', 'rewrite', 'paragraph', 'document', 'sentence', 'text', 'bullet', 'headline'],
  chat: ['hello', 'thanks', 'hi', 'weather', 'recommend', 'joke', 'favorite', 'advice', 'today', 'friend', 'name', 'capital', 'fun', 'tell', 'help', 'good', 'please', 'nice'],
};

/** How each cue-rule task type maps onto the categories. */
const FROM_TASK_TYPE: Record<TaskType, Partial<Record<SemanticCategory, number>>> = {
  code: { code: 1 },
  math: { math: 1 },
  analysis: { reasoning: 1 },
  creative: { writing: 1 },
  extraction: { extraction: 1 },
  simple: { chat: 1 },
  chat: { chat: 0.5, reasoning: 0.25, writing: 0.25 },
};

/**
 * Weight of the word-vector view against the cue rules: even when a rule fired (a code fence,
 * "solve", "write a poem"), and more when none did (`simple` and `chat` are what the rules return
 * when nothing matched). Then the softmax temperature over cosines.
 */
const SEMANTIC_WEIGHT = { cue: 0.5, fallback: 0.75 };
const TEMPERATURE = 0.08;
/** From this many input tokens a prompt starts to be long-context work; full share at 4× that. */
const LONG_FROM_TOKENS = 8_000;
const LONG_MAX_SHARE = 0.5;
const TOOLS_SHARE = 0.3;

export interface ProfileInput {
  embedding: Float32Array;
  taskType: TaskType;
  inputTokens: number;
  hasTools: boolean;
}

export class CategoryProfiler {
  private readonly prototypes: Map<SemanticCategory, Float32Array>;
  /** The prototypes in SEMANTIC order, and a reused buffer of one prompt's similarities (mix runs on every new prompt). */
  private readonly ordered: Float32Array[];
  private readonly sims = new Float64Array(SEMANTIC.length);

  constructor(vectors: WordVectors) {
    this.prototypes = new Map(SEMANTIC.map((c) => [c, unit(vectors.meanOf(CATEGORY_SEEDS[c]))]));
    this.ordered = SEMANTIC.map((c) => this.prototypes.get(c) as Float32Array);
  }

  /** Cosine similarity of a prompt's mean vector to each category's seeds (0 when it has no known word). */
  similarities(embedding: Float32Array): Record<SemanticCategory, number> {
    const sims = this.similaritiesInto(embedding);
    const out = {} as Record<SemanticCategory, number>;
    SEMANTIC.forEach((c, i) => {
      out[c] = sims[i] ?? 0;
    });
    return out;
  }

  /** `similarities` in SEMANTIC order, in the reused buffer. */
  private similaritiesInto(embedding: Float32Array): Float64Array {
    let norm = 0;
    for (let k = 0; k < embedding.length; k++) {
      const v = embedding[k] ?? 0;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < SEMANTIC.length; i++) {
      const p = this.ordered[i] as Float32Array;
      let s = 0;
      for (let k = 0; k < p.length; k++) {
        s += (p[k] ?? 0) * (embedding[k] ?? 0);
      }
      this.sims[i] = norm > 0 ? s / norm : 0;
    }
    return this.sims;
  }

  mix(input: ProfileInput): Record<TaskCategory, number> {
    // The same arithmetic in the same order as over per-category records, without building them.
    const sim = this.similaritiesInto(input.embedding);
    let known = false;
    let max = -Infinity;
    for (let i = 0; i < SEMANTIC.length; i++) {
      const v = sim[i] ?? 0;
      known ||= v !== 0;
      max = Math.max(max, v);
    }
    let z = 0;
    for (let i = 0; i < SEMANTIC.length; i++) {
      z += known ? Math.exp(((sim[i] ?? 0) - max) / TEMPERATURE) : 1;
    }
    const cues = FROM_TASK_TYPE[input.taskType];
    const semanticWeight = !known ? 0 : input.taskType === 'simple' || input.taskType === 'chat' ? SEMANTIC_WEIGHT.fallback : SEMANTIC_WEIGHT.cue;
    const long = Math.min(1, Math.max(0, Math.log2(Math.max(1, input.inputTokens) / LONG_FROM_TOKENS) / 2)) * LONG_MAX_SHARE;
    const tools = input.hasTools ? TOOLS_SHARE : 0;
    const rest = 1 - long - tools;
    const out = {} as Record<TaskCategory, number>;
    for (const c of TASK_CATEGORIES) {
      out[c] = 0;
    }
    for (let i = 0; i < SEMANTIC.length; i++) {
      const c = SEMANTIC[i] as SemanticCategory;
      const soft = known ? Math.exp(((sim[i] ?? 0) - max) / TEMPERATURE) : 1;
      out[c] = rest * ((1 - semanticWeight) * (cues[c] ?? 0) + semanticWeight * (soft / z));
    }
    out.longContext = long;
    out.tools = tools;
    return out;
  }
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) {
    n += x * x;
  }
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}
