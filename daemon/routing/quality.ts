// The quality model interface the router reads: per candidate, the predicted quality (0..1) of its
// answer to this prompt. The learned model (learnedQuality.ts) implements it; `PriorQuality` is the
// prompt-independent fallback (the catalog's priors) used when no model file is loaded.
import type { CatalogModel } from './catalog';
import type { RequestFeatures } from './features';
import type { PromptProfile } from './taskCategories';

export interface QualityPrediction {
  /** Model id → predicted quality 0..1. */
  quality: Map<string, number>;
  /** 0..1: how sure the model is this prompt is easy or hard (1 = far from the boundary). */
  confidence: number;
  /** 0..1: the prompt's estimated difficulty (0.5 = typical). */
  difficulty: number;
  /** The prompt's category mix and difficulty, when the model reads them. */
  profile?: PromptProfile;
}

export interface QualityModel {
  readonly name: string;
  predict(features: RequestFeatures, models: readonly CatalogModel[]): QualityPrediction;
  /**
   * Online update from the user's feedback or an outcome score 0..1. `features` is null when the
   * prompt is no longer known; `model` gives the catalog figures the prediction was made from.
   */
  recordOutcome(modelId: string, features: RequestFeatures | null, score: number, model?: CatalogModel): void;
}

export class PriorQuality implements QualityModel {
  readonly name = 'prior';
  private readonly bias = new Map<string, { sum: number; n: number }>();

  predict(_features: RequestFeatures, models: readonly CatalogModel[]): QualityPrediction {
    const quality = new Map<string, number>();
    for (const m of models) {
      const b = this.bias.get(m.id);
      // Outcomes pull the prior towards what this user sees, weighted like 10 prior observations.
      quality.set(m.id, b ? (m.qualityPrior * 10 + b.sum) / (10 + b.n) : m.qualityPrior);
    }
    return { quality, confidence: 0.3, difficulty: 0.5 };
  }

  recordOutcome(modelId: string, _features: RequestFeatures | null, score: number): void {
    const b = this.bias.get(modelId) ?? { sum: 0, n: 0 };
    b.sum += Math.min(1, Math.max(0, score));
    b.n++;
    this.bias.set(modelId, b);
  }
}
