// The learned quality model: two small hashed linear experts (multiple-choice prompts and open
// prompts), each predicting whether a strong-tier and a weak-tier model answer correctly. Their
// difference is the prompt's difficulty D (in standard deviations); a model's quality is its
// prior lowered by D in proportion to how weak it is. Online outcomes adjust each model's bias and
// sensitivity to D. Pure TypeScript, no network; the weights ship in model/router-model.json.
import { z } from 'zod';
import type { CatalogModel } from './catalog';
import type { RequestFeatures } from './features';
import { decodeSparse, dot, sigmoid } from './linearModel';
import { DIMENSIONS, HAS_OPTIONS, HASH_BITS, promptVector, type SparseVector } from './promptFeatures';
import type { QualityModel, QualityPrediction } from './quality';
import shippedModelJson from './model/router-model.json';

const Encoded = z.object({ scale: z.number(), int16: z.string() });
/** [strong, weak] weights of one expert, stored sparsely. */
const ExpertWeights = z.object({ dimensions: z.number().int().positive(), indices: z.string(), values: z.tuple([Encoded, Encoded]) });
export const ModelFile = z.object({
  version: z.literal(2),
  hashBits: z.number().int(),
  trainedOn: z.string(),
  experts: z.object({ choice: ExpertWeights, open: ExpertWeights }),
  /** Mean and standard deviation of P(strong) − P(weak) over training prompts, per expert. */
  gap: z.object({ choice: z.object({ mean: z.number(), sd: z.number() }), open: z.object({ mean: z.number(), sd: z.number() }) }),
  /** Quality lost per standard deviation of difficulty by a model of prior 0 (scaled by 1 − prior). */
  kappa: z.number(),
  /** Per-model priors learned from the shared data (arena judge score / 10), by model id. */
  priors: z.record(z.string(), z.number()),
});
export type ModelFile = z.infer<typeof ModelFile>;


export interface Expert {
  strong: Float32Array;
  weak: Float32Array;
  mean: number;
  sd: number;
}

export interface Difficulty {
  pStrong: number;
  pWeak: number;
  /** (gap − mean) / sd: > 0 means the strong model's edge is larger than usual. */
  d: number;
  expert: 'choice' | 'open';
}

interface Online {
  bias: number;
  slope: number;
  n: number;
}

export class LearnedQuality implements QualityModel {
  readonly name = 'learned';
  private readonly experts: Record<'choice' | 'open', Expert>;
  private readonly online = new Map<string, Online>();
  readonly kappa: number;
  readonly priors: ReadonlyMap<string, number>;

  constructor(file: ModelFile) {
    if (file.hashBits !== HASH_BITS) {
      throw new Error(`router model was trained with ${file.hashBits} hash bits; this build uses ${HASH_BITS}`);
    }
    const expert = (k: 'choice' | 'open'): Expert => {
      const [strong, weak] = decodeSparse(file.experts[k]);
      if (!strong || !weak || strong.length !== DIMENSIONS) {
        throw new Error(`router model expert "${k}" does not match this build's ${DIMENSIONS} features`);
      }
      return { strong, weak, mean: file.gap[k].mean, sd: file.gap[k].sd };
    };
    this.experts = { choice: expert('choice'), open: expert('open') };
    this.kappa = file.kappa;
    this.priors = new Map(Object.entries(file.priors));
  }

  static fromExperts(experts: Record<'choice' | 'open', Expert>, kappa: number, priors: Record<string, number>): LearnedQuality {
    const q = Object.create(LearnedQuality.prototype) as LearnedQuality;
    Object.assign(q, { name: 'learned', experts, online: new Map(), kappa, priors: new Map(Object.entries(priors)) });
    return q;
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
    const e = this.experts[key];
    const pStrong = sigmoid(dot(e.strong, x));
    const pWeak = sigmoid(dot(e.weak, x));
    return { pStrong, pWeak, d: (pStrong - pWeak - e.mean) / (e.sd || 1), expert: key };
  }

  qualityOf(modelId: string, prior: number, d: number): number {
    const o = this.online.get(modelId);
    const q = prior - (this.kappa + (o?.slope ?? 0)) * (1 - prior) * d + (o?.bias ?? 0);
    return q < 0.01 ? 0.01 : q > 0.99 ? 0.99 : q;
  }

  predict(features: RequestFeatures, models: readonly CatalogModel[]): QualityPrediction {
    const diff = this.difficultyOf(promptVector(features.promptText));
    const quality = new Map<string, number>();
    for (const m of models) {
      quality.set(m.id, this.qualityOf(m.id, this.priors.get(m.id) ?? m.qualityPrior, diff.d));
    }
    return { quality, confidence: Math.min(1, Math.abs(diff.d) / 2), difficulty: sigmoid(diff.d) };
  }

  /**
   * One observed outcome (feedback or an automatic score, 0..1): a small step on this model's bias
   * and difficulty sensitivity, with a learning rate that shrinks as outcomes accumulate.
   */
  recordOutcome(modelId: string, features: RequestFeatures, score: number, prior = 0.7): void {
    const d = this.difficultyOf(promptVector(features.promptText)).d;
    const o = this.online.get(modelId) ?? { bias: 0, slope: 0, n: 0 };
    const residual = Math.min(1, Math.max(0, score)) - this.qualityOf(modelId, this.priors.get(modelId) ?? prior, d);
    const lr = 1 / (o.n + 20);
    o.bias += lr * residual;
    o.slope -= lr * residual * (1 - prior) * Math.max(-3, Math.min(3, d)) * 0.5;
    o.n++;
    this.online.set(modelId, o);
  }

  /** What online learning has changed, for persistence by the caller. */
  exportOnline(): Record<string, Online> {
    return Object.fromEntries(this.online);
  }

  importOnline(state: Record<string, Online>): void {
    for (const [k, v] of Object.entries(state)) {
      this.online.set(k, { ...v });
    }
  }
}

let shipped: LearnedQuality | null = null;

/** The model file committed with the daemon (trained by `npm run train:router`), loaded once. */
export function shippedQualityModel(): LearnedQuality {
  if (!shipped) {
    shipped = new LearnedQuality(ModelFile.parse(shippedModelJson));
  }
  return shipped;
}
