// The learned quality model. For every prompt it builds a profile (promptProfile.ts): the category
// mix and a difficulty D, from two experts (multiple-choice prompts and open prompts), each a
// linear model over hashed n-grams, dense cues and word vectors plus small networks over the dense
// part (mlp.ts), predicting how much a strong-tier model gains over a weak-tier one on the prompt
// (each expert's objective says how, see OBJECTIVES); D is that gain, blended, in standard deviations. Any catalog model's
// quality for the prompt is then
//   q = σ(logit(base) − κ·D) + online,   base = Σ_c mix_c · qualityByCategory_c (prior where unknown)
// so the learned part applies to whatever models the catalog holds. `online` is what this user's
// outcomes taught: per model and category, the shrunk mean of (score − the offline prediction the
// router made for that prompt), bounded so a handful of thumbs-down cannot exile a model.
// Pure TypeScript, no network; weights ship in model/router-model.json.
import { z } from 'zod';
import type { LearnedModelState } from '../protocol/learning';
import type { CatalogModel } from './catalog';
import type { RequestFeatures } from './features';
import { mixedQuality } from './categoryQuality';
import { decodeSparse, dot, sigmoid } from './linearModel';
import { decodeMlp, encodeMlp, mlpGap, MlpFile, type Mlp } from './mlp';
import { BUCKETS, DENSE_NAMES, DIMENSIONS, EMBEDDING_DIMS, HAS_OPTIONS, HASH_BITS, MAX_SCAN_CHARS, promptVector, WORD_PROBLEM_COUNT, WORD_PROBLEM_FIRST, type ExpertReads, type SparseVector } from './promptFeatures';
import { CategoryProfiler } from './promptProfile';
import type { QualityModel, QualityPrediction } from './quality';
import { TASK_CATEGORIES, type PromptProfile, type TaskCategory } from './taskCategories';
import { shippedWordVectors, type WordVectors } from './wordVectors';
import { readModelJson } from './modelFiles';

const Encoded = z.object({ scale: z.number(), int16: z.string() });
/**
 * What an expert's linear heads predict, so that their combination is the strong model's expected
 * gain on the prompt (the quantity APGR ranks by). Train:router's validation chooses per expert.
 * - `correct`: P(strong correct) and P(weak correct); gain = their difference.
 * - `disagree`: P(the two disagree) and P(the strong one is right | they disagree);
 *   gain = P(disagree) · (2·P(strong right | disagree) − 1) = P(strong alone right) − P(weak alone right).
 * Both are expected gains, as live routing needs: D is also the prompt's hardness there (effort,
 * stakes). P(strong right | disagree) alone ranked GSM8K slightly better in validation but is not
 * a gain (it ignores whether the two disagree at all), so it is not offered (model card).
 */
export const OBJECTIVES = ['correct', 'disagree'] as const;
export type Objective = (typeof OBJECTIVES)[number];
export type Head = 'strong' | 'weak' | 'disagree' | 'strongWins';
/** The heads each objective reads, in the order the model file stores them. */
export const OBJECTIVE_HEADS: Record<Objective, readonly Head[]> = { correct: ['strong', 'weak'], disagree: ['disagree', 'strongWins'] };
/** One expert's head weights (OBJECTIVE_HEADS[objective], in order), stored sparsely. */
const ExpertWeights = z.object({ dimensions: z.number().int().positive(), indices: z.string(), values: z.array(Encoded).length(2), objective: z.enum(OBJECTIVES).optional() });
/** The networks beside an expert's linear model (mlp.ts; several seeds, averaged) and how they are blended. */
const NetFile = z.object({ mlps: z.array(MlpFile).min(1), mean: z.number(), sd: z.number().positive(), corr: z.number().min(-1).max(1), weight: z.number().nonnegative() });
const Reads = z.object({ wordVectors: z.boolean(), wordProblemCues: z.boolean() });
export const ModelFile = z.object({
  version: z.literal(3),
  hashBits: z.number().int(),
  embeddingDims: z.number().int(),
  trainedOn: z.string(),
  experts: z.object({ choice: ExpertWeights, open: ExpertWeights }),
  /** Absent in files trained before the networks: the linear experts alone. */
  nets: z.object({ choice: NetFile.optional(), open: NetFile.optional() }).optional(),
  /** Which optional feature groups each expert reads (validation decides per expert); absent: all. */
  reads: z.object({ choice: Reads, open: Reads }).optional(),
  /** Mean and standard deviation of each expert's linear gain (its objective's) over training prompts. */
  gap: z.object({ choice: z.object({ mean: z.number(), sd: z.number() }), open: z.object({ mean: z.number(), sd: z.number() }) }),
  /**
   * Logits of quality lost per standard deviation of difficulty: one for both experts, or one per
   * expert (each fitted on its own prompts: the experts' D need not mean the same to every model).
   */
  kappa: z.union([z.number().nonnegative(), z.object({ choice: z.number().nonnegative(), open: z.number().nonnegative() })]),
  /** Online learning: outcomes a category's adjustment is shrunk towards 0 by, and its bound. */
  online: z.object({ priorStrength: z.number().positive(), maxAdjustment: z.number().positive() }),
});
export type ModelFile = z.infer<typeof ModelFile>;

export interface Expert {
  /** What the heads predict (absent: `correct`). */
  objective?: Objective;
  /** The linear heads; an expert holds at least those its objective reads. */
  heads: Partial<Record<Head, Float32Array>>;
  /** Mean and sd of the objective's gain over the training prompts (D is the standardised gain). */
  mean: number;
  sd: number;
  net?: ExpertNet;
  /**
   * Feature groups this expert was trained with (absent: all). A group left out has linear weights
   * 0, and the network must see zeros there too, as in training.
   */
  reads?: ExpertReads;
}

/**
 * A network's gap P(strong) − P(weak), standardised by its training mean and sd, added to the
 * linear one's with `weight`; `corr` (the two standardised gaps' correlation on the training
 * prompts) rescales the sum so D keeps unit variance whatever the weight (κ is fitted on D).
 */
export interface ExpertNet {
  /** Networks trained from different seeds; their gaps are averaged (one seed's luck is not a signal). */
  mlps: Mlp[];
  mean: number;
  sd: number;
  corr: number;
  weight: number;
}

export type NetFile = z.infer<typeof NetFile>;

export function encodeNet(n: ExpertNet): NetFile {
  const r = (v: number) => Number(v.toPrecision(6));
  return { mlps: n.mlps.map(encodeMlp), mean: r(n.mean), sd: r(n.sd), corr: r(n.corr), weight: n.weight };
}

const ALL_FEATURES: ExpertReads = { wordVectors: true, wordProblemCues: true };

/** Inputs of the networks: the prompt vector's dense cues and mean word vector, in order (reused buffer). */
export const DENSE_BLOCK = DENSE_NAMES.length + EMBEDDING_DIMS;
const denseScratch = new Float32Array(DENSE_BLOCK);

export function denseBlock(x: SparseVector, out: Float32Array = denseScratch): Float32Array {
  out.fill(0);
  // promptVector appends the dense block after the hashed buckets, so scan from the end.
  for (let i = x.idx.length - 1; i >= 0; i--) {
    const j = (x.idx[i] ?? 0) - BUCKETS;
    if (j < 0) {
      break;
    }
    if (j < DENSE_BLOCK) {
      out[j] = x.val[i] ?? 0;
    }
  }
  return out;
}

const head = (e: Expert, h: Head, x: SparseVector): number => {
  const w = e.heads[h];
  if (!w) {
    throw new Error(`router expert has no "${h}" head for its objective "${e.objective ?? 'correct'}"`);
  }
  return sigmoid(dot(w, x));
};

/** The strong model's expected gain on the prompt as the expert's linear heads predict it (unstandardised). */
export function linearGain(e: Expert, x: SparseVector, objective: Objective = e.objective ?? 'correct'): number {
  switch (objective) {
    case 'correct':
      return head(e, 'strong', x) - head(e, 'weak', x);
    case 'disagree':
      return head(e, 'disagree', x) * (2 * head(e, 'strongWins', x) - 1);
  }
}

/** The two parts of an expert's difficulty, each standardised on its training prompts (net null when it has none). */
export function expertParts(e: Expert, x: SparseVector): { gain: number; linear: number; net: number | null } {
  const gain = linearGain(e, x);
  const linear = (gain - e.mean) / (e.sd || 1);
  let net: number | null = null;
  if (e.net) {
    const inputs = denseBlock(x);
    if (e.reads && !e.reads.wordVectors) {
      inputs.fill(0, DENSE_NAMES.length);
    }
    if (e.reads && !e.reads.wordProblemCues) {
      inputs.fill(0, WORD_PROBLEM_FIRST, WORD_PROBLEM_FIRST + WORD_PROBLEM_COUNT);
    }
    net = (averageGap(e.net.mlps, inputs) - e.net.mean) / (e.net.sd || 1);
  }
  return { gain, linear, net };
}

/** The networks' mean gap P(strong) − P(weak). */
export function averageGap(mlps: readonly Mlp[], inputs: ArrayLike<number>): number {
  let s = 0;
  for (const m of mlps) {
    s += mlpGap(m, inputs);
  }
  return s / Math.max(1, mlps.length);
}

/** D from the parts: the linear z alone, or blended with the network's at `weight`, unit variance on training prompts. */
export function blendDifficulty(linear: number, net: number | null, weight: number, corr: number): number {
  if (net === null || weight === 0) {
    return linear;
  }
  return (linear + weight * net) / Math.sqrt(Math.max(1e-6, 1 + weight * weight + 2 * weight * corr));
}

export function expertDifficulty(e: Expert, x: SparseVector): { gain: number; d: number } {
  const p = expertParts(e, x);
  return { gain: p.gain, d: blendDifficulty(p.linear, p.net, e.net?.weight ?? 0, e.net?.corr ?? 0) };
}

export interface Difficulty {
  /** The linear heads' predicted gain of the strong model (see OBJECTIVES), before standardising. */
  gain: number;
  /** The blended, standardised gain: > 0 means the strong model's edge is larger than usual. */
  d: number;
  expert: 'choice' | 'open';
}

/** What the model read from one prompt. */
export interface PromptReading {
  profile: PromptProfile;
  difficulty: Difficulty;
}

/** One model's online state: per category, the weight of outcomes seen and their summed residual. */
export interface OnlineState {
  outcomes: number;
  categories: Partial<Record<TaskCategory, { weight: number; residual: number }>>;
}

export const OnlineStateSchema = z.object({
  outcomes: z.number().int().nonnegative(),
  categories: z.partialRecord(z.enum(TASK_CATEGORIES), z.object({ weight: z.number().nonnegative(), residual: z.number() })),
});

export type { LearnedModelState };

/** A prompt whose text is unknown (feedback after a restart): every category alike, typical difficulty. */
const EVEN_MIX = Object.fromEntries(TASK_CATEGORIES.map((c) => [c, 1 / TASK_CATEGORIES.length])) as Record<TaskCategory, number>;
const NEUTRAL: PromptReading = { profile: { categories: EVEN_MIX, difficulty: 0.5 }, difficulty: { gain: 0, d: 0, expert: 'open' } };

/** Difficulty beyond this many standard deviations counts as this many (prompts unlike any trained on). */
const MAX_DIFFICULTY = 3;

/** Readings are cached by prompt text: retries, escalation, dry runs and feedback re-read the same turn. */
const READING_CACHE = 512;

interface Shared {
  experts: Record<'choice' | 'open', Expert>;
  vectors: WordVectors;
  profiler: CategoryProfiler;
  kappa: Record<'choice' | 'open', number>;
  online: ModelFile['online'];
  /** Readings depend on the weights only, so every model sharing them shares the cache. */
  readings: Map<string, PromptReading>;
}

export class LearnedQuality implements QualityModel {
  readonly name = 'learned';
  private readonly online = new Map<string, OnlineState>();

  constructor(private readonly shared: Shared) {}

  static fromFile(file: ModelFile, vectors: WordVectors = shippedWordVectors()): LearnedQuality {
    if (file.hashBits !== HASH_BITS || file.embeddingDims !== EMBEDDING_DIMS) {
      throw new Error(`router model was trained with ${file.hashBits} hash bits and ${file.embeddingDims}-d word vectors; this build uses ${HASH_BITS} and ${EMBEDDING_DIMS}`);
    }
    const expert = (k: 'choice' | 'open'): Expert => {
      const objective = file.experts[k].objective ?? 'correct';
      const decoded = decodeSparse(file.experts[k]);
      const names = OBJECTIVE_HEADS[objective];
      if (decoded.length !== names.length || decoded.some((w) => w.length !== DIMENSIONS)) {
        throw new Error(`router model expert "${k}" does not match this build's ${DIMENSIONS} features and its objective's ${names.length} heads`);
      }
      const heads = Object.fromEntries(names.map((h, i) => [h, decoded[i] as Float32Array])) as Expert['heads'];
      const net = file.nets?.[k];
      const badInputs = net?.mlps.find((m) => m.inputs !== DENSE_BLOCK);
      if (badInputs) {
        throw new Error(`router model network "${k}" reads ${badInputs.inputs} inputs; this build has ${DENSE_BLOCK}`);
      }
      return { objective, heads, mean: file.gap[k].mean, sd: file.gap[k].sd, reads: file.reads?.[k] ?? ALL_FEATURES, ...(net ? { net: { mlps: net.mlps.map(decodeMlp), mean: net.mean, sd: net.sd, corr: net.corr, weight: net.weight } } : {}) };
    };
    return LearnedQuality.fromExperts({ choice: expert('choice'), open: expert('open') }, file.kappa, file.online, vectors);
  }

  static fromExperts(experts: Record<'choice' | 'open', Expert>, kappa: ModelFile['kappa'], online: ModelFile['online'], vectors: WordVectors = shippedWordVectors()): LearnedQuality {
    return new LearnedQuality({ experts, vectors, profiler: new CategoryProfiler(vectors), kappa: perExpert(kappa), online, readings: new Map() });
  }

  /** A model with the same weights and no online state (one per router: users do not share what they taught). */
  fresh(): LearnedQuality {
    return new LearnedQuality(this.shared);
  }

  /** The same weights with another κ (training's κ search). */
  withKappa(kappa: ModelFile['kappa']): LearnedQuality {
    return new LearnedQuality({ ...this.shared, kappa: perExpert(kappa) });
  }

  /** κ per expert (the expert that read a prompt sets how far its D moves every model). */
  get kappa(): Readonly<Record<'choice' | 'open', number>> {
    return this.shared.kappa;
  }

  /** Each expert's network blend weight (0 = linear only): the bench's unseen-subject check trains the same recipe. */
  get netWeights(): Record<'choice' | 'open', number> {
    return { choice: this.shared.experts.choice.net?.weight ?? 0, open: this.shared.experts.open.net?.weight ?? 0 };
  }

  /** Each expert's objective (the same recipe, again for the bench). */
  get objectives(): Record<'choice' | 'open', Objective> {
    return { choice: this.shared.experts.choice.objective ?? 'correct', open: this.shared.experts.open.objective ?? 'correct' };
  }

  /** The feature groups each expert reads (the same recipe, again for the bench). */
  get reads(): Record<'choice' | 'open', ExpertReads> {
    return { choice: this.shared.experts.choice.reads ?? ALL_FEATURES, open: this.shared.experts.open.reads ?? ALL_FEATURES };
  }

  get onlineSettings(): ModelFile['online'] {
    return this.shared.online;
  }

  difficultyOf(x: SparseVector): Difficulty {
    let hasOptions = false;
    for (let i = x.idx.length - 1; i >= 0; i--) {
      if (x.idx[i] === HAS_OPTIONS) {
        hasOptions = (x.val[i] ?? 0) > 0.5;
        break;
      }
    }
    const key = hasOptions ? 'choice' : 'open';
    return { ...expertDifficulty(this.shared.experts[key], x), expert: key };
  }

  /** The prompt's category mix and difficulty, cached by its text. */
  read(features: Pick<RequestFeatures, 'promptText' | 'taskType' | 'inputTokens' | 'hasTools'>): PromptReading {
    const key = `${features.taskType}|${features.hasTools ? 1 : 0}|${Math.round(Math.log2(1 + features.inputTokens) * 4)}|${textKey(features.promptText)}`;
    const hit = this.shared.readings.get(key);
    if (hit) {
      // Re-inserted so the map's order is least recently used first.
      this.shared.readings.delete(key);
      this.shared.readings.set(key, hit);
      return hit;
    }
    // Reused buffers: the reading keeps numbers, never the vector.
    const x = promptVector(features.promptText, 2, this.shared.vectors, true);
    const difficulty = this.difficultyOf(x);
    const categories = this.shared.profiler.mix({ embedding: x.embedding, taskType: features.taskType, inputTokens: features.inputTokens, hasTools: features.hasTools });
    const reading = { profile: { categories, difficulty: sigmoid(difficulty.d) }, difficulty };
    if (this.shared.readings.size >= READING_CACHE) {
      const oldest = this.shared.readings.keys().next().value;
      if (oldest !== undefined) {
        this.shared.readings.delete(oldest);
      }
    }
    this.shared.readings.set(key, reading);
    return reading;
  }

  /**
   * The prediction before online learning: catalog figures × category mix, moved by difficulty on the
   * logit scale (as item-response models do: P(success) = σ(ability − difficulty)), so a hard prompt
   * widens the gap between strong and weak models, an easy one narrows it, and the order never flips.
   */
  offlineQuality(model: Pick<CatalogModel, 'qualityPrior' | 'qualityByCategory'>, reading: PromptReading): number {
    const base = clamp(mixedQuality(model, reading.profile.categories), 0.01, 0.99);
    const d = clamp(reading.difficulty.d, -MAX_DIFFICULTY, MAX_DIFFICULTY);
    return clamp(sigmoid(Math.log(base / (1 - base)) - this.shared.kappa[reading.difficulty.expert] * d), 0.01, 0.99);
  }

  /** This user's correction for `modelId` on a prompt of this category mix (bounded). */
  adjustment(modelId: string, mix: Readonly<Record<TaskCategory, number>>): number {
    const s = this.online.get(modelId);
    if (!s) {
      return 0;
    }
    const { priorStrength, maxAdjustment } = this.shared.online;
    let a = 0;
    for (const c of TASK_CATEGORIES) {
      const cat = s.categories[c];
      if (cat && mix[c] > 0) {
        a += mix[c] * (cat.residual / (cat.weight + priorStrength));
      }
    }
    return clamp(a, -maxAdjustment, maxAdjustment);
  }

  qualityOf(model: Pick<CatalogModel, 'id' | 'qualityPrior' | 'qualityByCategory'>, reading: PromptReading): number {
    return clamp(this.offlineQuality(model, reading) + this.adjustment(model.id, reading.profile.categories), 0.01, 0.99);
  }

  predict(features: RequestFeatures, models: readonly CatalogModel[]): QualityPrediction {
    const reading = this.read(features);
    const quality = new Map<string, number>();
    // qualityOf for every model, with what does not depend on the model taken out of the loop and
    // each model's figures read from an array made once per model object (catalog views are
    // long-lived): the same arithmetic in the same order, so the same numbers.
    const mix = mixArray(reading.profile.categories);
    const kd = this.shared.kappa[reading.difficulty.expert] * clamp(reading.difficulty.d, -MAX_DIFFICULTY, MAX_DIFFICULTY);
    const learned = this.online.size > 0;
    for (const m of models) {
      const figures = categoryFigures(m);
      let base = m.qualityPrior;
      if (figures !== null) {
        let q = 0;
        let w = 0;
        for (let c = 0; c < mix.length; c++) {
          const share = mix[c] as number;
          if (share > 0) {
            q += share * (figures[c] as number);
            w += share;
          }
        }
        base = w > 0 ? q / w : m.qualityPrior;
      }
      base = clamp(base, 0.01, 0.99);
      const offline = clamp(sigmoid(Math.log(base / (1 - base)) - kd), 0.01, 0.99);
      quality.set(m.id, clamp(offline + (learned ? this.adjustment(m.id, reading.profile.categories) : 0), 0.01, 0.99));
    }
    return { quality, confidence: Math.min(1, Math.abs(reading.difficulty.d) / 2), difficulty: reading.profile.difficulty, profile: reading.profile };
  }

  /**
   * One observed outcome (feedback or an automatic score, 0..1) of `model` on a prompt: the residual
   * against the router's own offline prediction for that prompt, credited to the prompt's categories
   * by their share of its mix. `features` null: the prompt is no longer known (feedback after a
   * restart); the outcome then counts for every category alike.
   */
  recordOutcome(modelId: string, features: RequestFeatures | null, score: number, model?: Pick<CatalogModel, 'qualityPrior' | 'qualityByCategory'>): void {
    const reading = features ? this.read(features) : NEUTRAL;
    const predicted = this.offlineQuality(model ?? { qualityPrior: 0.5 }, reading);
    const residual = clamp(score, 0, 1) - predicted;
    const s = this.online.get(modelId) ?? { outcomes: 0, categories: {} };
    for (const c of TASK_CATEGORIES) {
      const w = reading.profile.categories[c];
      if (w > 0) {
        const cat = s.categories[c] ?? { weight: 0, residual: 0 };
        cat.weight += w;
        cat.residual += w * residual;
        s.categories[c] = cat;
      }
    }
    s.outcomes++;
    this.online.set(modelId, s);
  }

  /** The online state of every model that has outcomes (for persistence). */
  exportOnline(): Record<string, OnlineState> {
    return Object.fromEntries([...this.online].map(([k, v]) => [k, structuredClone(v)]));
  }

  onlineStateOf(modelId: string): OnlineState | null {
    const s = this.online.get(modelId);
    return s ? structuredClone(s) : null;
  }

  importOnline(state: Record<string, OnlineState>): void {
    for (const [k, v] of Object.entries(state)) {
      this.online.set(k, structuredClone(v));
    }
  }

  learnedState(): LearnedModelState[] {
    const { priorStrength, maxAdjustment } = this.shared.online;
    return [...this.online.entries()]
      .map(([model, s]) => {
        const byCategory: LearnedModelState['byCategory'] = {};
        for (const c of TASK_CATEGORIES) {
          const cat = s.categories[c];
          if (cat) {
            byCategory[c] = { weight: round3(cat.weight), adjustment: round3(clamp(cat.residual / (cat.weight + priorStrength), -maxAdjustment, maxAdjustment)) };
          }
        }
        return { model, outcomes: s.outcomes, adjustment: round3(this.adjustment(model, EVEN_MIX)), byCategory };
      })
      .sort((a, b) => a.model.localeCompare(b.model));
  }
}

/** Where textKey copies a prompt's first characters to hash them (one buffer, reused). */
const KEY_BUFFER = new ArrayBuffer(MAX_SCAN_CHARS * 2 + 4);
const KEY_UNITS = Buffer.from(KEY_BUFFER);
const KEY_PAIRS = new Int32Array(KEY_BUFFER);

/**
 * Length plus two 32-bit hashes of what promptVector reads (its first characters): a short key, so
 * the cache neither hashes nor keeps whole long prompts.
 */
function textKey(text: string): string {
  const end = Math.min(text.length, MAX_SCAN_CHARS);
  // The UTF-16 units copied natively, then hashed two per step (charCodeAt one at a time took
  // ≈ 17 µs at 6 000 characters, this ≈ 6 µs). Same units, so the key tells the same texts apart.
  const bytes = KEY_UNITS.write(text, 0, end * 2, 'utf16le');
  const pairs = bytes >>> 2;
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < pairs; i++) {
    const c = KEY_PAIRS[i] as number;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  if ((bytes & 2) !== 0) {
    const c = text.charCodeAt(end - 1);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${text.length}:${a >>> 0}:${b >>> 0}`;
}

/** A model's figure per category in TASK_CATEGORIES order (its prior where unknown); null: it has none. */
const figuresByModel = new WeakMap<Pick<CatalogModel, 'qualityPrior' | 'qualityByCategory'>, Float64Array | null>();

function categoryFigures(m: Pick<CatalogModel, 'qualityPrior' | 'qualityByCategory'>): Float64Array | null {
  let f = figuresByModel.get(m);
  if (f === undefined) {
    const byCategory = m.qualityByCategory;
    f = byCategory ? Float64Array.from(TASK_CATEGORIES, (c) => byCategory[c] ?? m.qualityPrior) : null;
    figuresByModel.set(m, f);
  }
  return f;
}

/** A reading's category mix in TASK_CATEGORIES order, made once per (cached) reading. */
const mixByReading = new WeakMap<Readonly<Record<TaskCategory, number>>, Float64Array>();

function mixArray(categories: Readonly<Record<TaskCategory, number>>): Float64Array {
  let a = mixByReading.get(categories);
  if (a === undefined) {
    a = Float64Array.from(TASK_CATEGORIES, (c) => categories[c]);
    mixByReading.set(categories, a);
  }
  return a;
}

function perExpert(kappa: ModelFile['kappa']): Record<'choice' | 'open', number> {
  return typeof kappa === 'number' ? { choice: kappa, open: kappa } : { choice: kappa.choice, open: kappa.open };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

let shipped: LearnedQuality | null = null;

/**
 * A model with the weights committed with the daemon (trained by `npm run train:router`) and its
 * own, empty online state; the weights are decoded once per process and shared.
 */
export function shippedQualityModel(): LearnedQuality {
  shipped ??= LearnedQuality.fromFile(ModelFile.parse(readModelJson('router-model.json')));
  return shipped.fresh();
}
