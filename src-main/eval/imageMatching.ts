import { boxIou } from './boxIou';
import { sortByScore } from './evaluateImage';
import { greedyMatch } from './greedyMatch';
import type { CocoBoxXYWH } from './types';

export interface MatchLabel {
  classId: number;
  box: CocoBoxXYWH;
}

export interface MatchPrediction {
  classId: number;
  box: CocoBoxXYWH;
  score: number;
}

export interface MatchOptions {
  /** A prediction finds a label at IoU ≥ this; in (0, 1]. Default 0.5, COCO's AP50. */
  iouThreshold?: number;
  /** Predictions scoring below this take no part (the Review view's score slider). Default 0. */
  minScore?: number;
}

/** What the Review view draws for one image; indices refer to the caller's arrays. */
export interface ImageMatch {
  /** Per prediction: the label it found, or -1 (a false positive, or below `minScore`). */
  labelOf: number[];
  /** Per prediction: IoU with the label it found, 0 when it found none. */
  iou: number[];
  /** Per label: the prediction that found it, or -1 (missed). */
  predictionOf: number[];
  /** Predictions that found a label, best score first. */
  truePositives: number[];
  /** Predictions at or above `minScore` that found none, best score first. */
  falsePositives: number[];
  /** Labels no prediction found, in label order. */
  missed: number[];
}

/**
 * TP/FP/FN for one image: predictions, best score first, each take the same-class label they overlap
 * most among those still free, by the same greedy rule as the COCO evaluation, so a box marked true
 * positive here is one that counts as a true positive for AP50.
 */
export function matchImage(
  labels: readonly MatchLabel[],
  predictions: readonly MatchPrediction[],
  options: MatchOptions = {},
): ImageMatch {
  const threshold = options.iouThreshold ?? 0.5;
  const minScore = options.minScore ?? 0;
  // At 0 every pair would match, even boxes that do not touch.
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError('iouThreshold must be in (0, 1]');

  const ranked = sortByScore(
    predictions.map((p, index) => ({ index, score: p.score })).filter((p) => p.score >= minScore),
  );
  const D = ranked.length;
  const G = labels.length;
  const iou = new Float64Array(D * G);
  ranked.forEach(({ index }, d) => {
    const p = predictions[index]!;
    labels.forEach((l, g) => {
      // -1 keeps another class's label out of reach at any threshold.
      iou[d * G + g] = l.classId === p.classId ? boxIou(p.box, l.box, false) : -1;
    });
  });
  const detToGt = new Int32Array(D);
  greedyMatch({ numDets: D, numGts: G, iou }, threshold, detToGt);

  const out: ImageMatch = {
    labelOf: new Array<number>(predictions.length).fill(-1),
    iou: new Array<number>(predictions.length).fill(0),
    predictionOf: new Array<number>(G).fill(-1),
    truePositives: [],
    falsePositives: [],
    missed: [],
  };
  ranked.forEach(({ index }, d) => {
    const g = detToGt[d]!;
    if (g < 0) {
      out.falsePositives.push(index);
      return;
    }
    out.labelOf[index] = g;
    out.iou[index] = iou[d * G + g]!;
    out.predictionOf[g] = index;
    out.truePositives.push(index);
  });
  out.predictionOf.forEach((p, g) => {
    if (p < 0) out.missed.push(g);
  });
  return out;
}
