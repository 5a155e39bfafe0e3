/**
 * A multinomial logistic-regression intent classifier over sparse text features (words, word pairs, letter
 * and character n-grams), trained in-process from the labelled utterances in content/nlu. Small enough to
 * train at startup (a few hundred milliseconds for all languages) and to explain: its probabilities are what
 * the confidence rule reads.
 */

import { seededRandom } from './seeded-random';

export interface LabelledExample {
  readonly text: string;
  readonly label: string;
}

export interface RankedLabel {
  readonly label: string;
  readonly probability: number;
}

export interface IntentClassifier {
  /** Every label, most probable first (probabilities sum to 1). */
  rank(this: void, text: string): RankedLabel[];
  /** Share (0..1) of the text's distinct features seen in training: low for words the model never met. */
  coverage(this: void, text: string): number;
  readonly labels: readonly string[];
}

export interface TrainingOptions {
  readonly epochs?: number;
  readonly learningRate?: number;
  /** L2 weight decay applied per update. */
  readonly l2?: number;
  /** Seed for the example order: training is deterministic. */
  readonly seed?: number;
}


function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity;
  for (const score of scores) max = Math.max(max, score);
  let sum = 0;
  for (let i = 0; i < scores.length; i += 1) {
    const value = Math.exp((scores[i] as number) - max);
    scores[i] = value;
    sum += value;
  }
  for (let i = 0; i < scores.length; i += 1) scores[i] = (scores[i] as number) / sum;
}

/**
 * What training produces, and all a classifier needs besides the featurizer: the labels (sorted), the feature
 * names in the order they were first met (a feature's index is its position), and the weights, one row of
 * `labels.length` per feature, with one bias per label. Plain numbers, so it can be stored and read back
 * bit for bit (src/nlu/model-cache.ts).
 */
export interface TrainedModel {
  readonly labels: readonly string[];
  readonly features: readonly string[];
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

export function trainIntentClassifier(examples: readonly LabelledExample[], featurize: (text: string) => string[], options: TrainingOptions = {}): IntentClassifier {
  return classifierFromModel(trainModel(examples, featurize, options), featurize);
}

/** Trains the weights: deterministic (same data, options and featurizer give the same numbers). */
export function trainModel(examples: readonly LabelledExample[], featurize: (text: string) => string[], options: TrainingOptions = {}): TrainedModel {
  const { epochs = 12, learningRate = 0.5, l2 = 1e-5, seed = 7 } = options;
  const labels = [...new Set(examples.map((example) => example.label))].sort();
  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  const featureIndex = new Map<string, number>();
  const encoded = examples.map((example) => {
    const ids = new Set<number>();
    for (const feature of featurize(example.text)) {
      let id = featureIndex.get(feature);
      if (id === undefined) {
        id = featureIndex.size;
        featureIndex.set(feature, id);
      }
      ids.add(id);
    }
    return { ids: [...ids], label: labelIndex.get(example.label) as number };
  });
  const classes = labels.length;
  const weights = new Float64Array(featureIndex.size * classes);
  const bias = new Float64Array(classes);
  const scores = new Float64Array(classes);

  const order = encoded.map((_, index) => index);
  const next = seededRandom(seed);
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const rate = learningRate / (1 + epoch * 0.5);
    for (const index of order) {
      const example = encoded[index] as (typeof encoded)[number];
      if (example.ids.length === 0) continue;
      const scale = 1 / Math.sqrt(example.ids.length);
      scoreInto(scores, weights, bias, example.ids, scale);
      for (let c = 0; c < classes; c += 1) {
        const gradient = (scores[c] as number) - (c === example.label ? 1 : 0);
        // Most classes are already near zero for most examples: skipping them keeps training fast.
        if (Math.abs(gradient) < 1e-3) continue;
        bias[c] = (bias[c] as number) - rate * gradient * 0.1;
        for (const id of example.ids) {
          const at = id * classes + c;
          weights[at] = (weights[at] as number) * (1 - rate * l2) - rate * gradient * scale;
        }
      }
    }
  }
  return { labels, features: [...featureIndex.keys()], weights, bias };
}

/** Softmax of the bias plus the scaled weight rows of `ids`, written into `scores` (one entry per label). */
function scoreInto(scores: Float64Array, weights: Float64Array, bias: Float64Array, ids: readonly number[], scale: number): void {
  const classes = scores.length;
  scores.set(bias);
  for (const id of ids) {
    const row = id * classes;
    for (let c = 0; c < classes; c += 1) scores[c] = (scores[c] as number) + (weights[row + c] as number) * scale;
  }
  softmaxInPlace(scores);
}

/** A classifier over trained (or stored) weights; `featurize` must be the one the model was trained with. */
export function classifierFromModel(model: TrainedModel, featurize: (text: string) => string[]): IntentClassifier {
  const { labels, weights, bias } = model;
  const classes = labels.length;
  if (bias.length !== classes || weights.length !== model.features.length * classes) throw new Error('intent model: weights do not match its labels and features');
  const featureIndex = new Map(model.features.map((feature, index) => [feature, index]));
  const scores = new Float64Array(classes);
  return {
    labels,
    coverage: (text: string): number => {
      const features = new Set(featurize(text));
      if (features.size === 0) return 0;
      let known = 0;
      for (const feature of features) if (featureIndex.has(feature)) known += 1;
      return known / features.size;
    },
    rank: (text: string): RankedLabel[] => {
      const ids = [...new Set(featurize(text).map((feature) => featureIndex.get(feature)).filter((id): id is number => id !== undefined))];
      if (ids.length === 0) return labels.map((label) => ({ label, probability: 1 / classes }));
      scoreInto(scores, weights, bias, ids, 1 / Math.sqrt(ids.length));
      return labels.map((label, index) => ({ label, probability: scores[index] as number })).sort((a, b) => b.probability - a.probability);
    },
  };
}
