// Batch tensors of DW's prediction-independent inputs: the GT boxes padded to one G, their classes,
// the in-box bags and the centre prior (SPEC §2). Built from typed arrays once per step.
import { targetCount } from './boxes';
import type { ImageTargets } from './boxes';
import { candidateBags } from './centerPrior';
import type { DwHyper } from './dwConfig';
import { labelOneHot, laterSameClass } from './dwWeights';
import type { PointGrid } from './points';
import { tf } from './tf';
import type { Tensor } from './tf';

export interface DwBatchTargets {
  /** Σ over the batch of the real GT counts (the normaliser N_gt before its clamp). */
  numGt: number;
  /** G, the padded GT count: the batch maximum, at least 1 so that no tensor has a zero dimension. */
  paddedG: number;
  /** [B, G, 4] XYXY; padding rows are zeros. */
  gtBoxes: Tensor;
  /** [B, G, C]; padding rows are zeros. */
  labelOneHot: Tensor;
  /** [B, G, G] same-class order for the P_neg scatter (see `scatterNegativeWeights`). */
  laterSameClass: Tensor;
  /** [B, P, G] the in-box mask (0/1); zero for padding. */
  inside: Tensor;
  /** [B, P, G] the masked centre prior; zero for padding. */
  prior: Tensor;
}

type PriorHyper = Pick<DwHyper, 'priorSigma' | 'softPrior' | 'hardPriorThreshold'>;

/**
 * Builds the batch targets. The tensors are new: call inside a tidy, or `disposeDwTargets` them.
 */
export function prepareDwTargets(
  points: PointGrid,
  targets: readonly ImageTargets[],
  numClasses: number,
  hyper: PriorHyper,
): DwBatchTargets {
  const B = targets.length;
  const P = points.count;
  const counts = targets.map(targetCount);
  const G = Math.max(1, ...counts);
  const boxes = new Float32Array(B * G * 4);
  const oneHot = new Float32Array(B * G * numClasses);
  const later = new Float32Array(B * G * G);
  const inside = new Float32Array(B * P * G);
  const prior = new Float32Array(B * P * G);
  targets.forEach((t, b) => {
    const g = counts[b] as number;
    boxes.set(t.boxesXYXY, b * G * 4);
    oneHot.set(labelOneHot(t.labels, G, numClasses), b * G * numClasses);
    later.set(laterSameClass(t.labels, G), b * G * G);
    if (g === 0) return;
    const bags = candidateBags(points, t.boxesXYXY, {
      sigma: hyper.priorSigma,
      soft: hyper.softPrior,
      hardThreshold: hyper.hardPriorThreshold,
    });
    for (let i = 0; i < P; i++) {
      for (let n = 0; n < g; n++) {
        inside[(b * P + i) * G + n] = bags.inside[i * g + n] as number;
        prior[(b * P + i) * G + n] = bags.prior[i * g + n] as number;
      }
    }
  });
  return {
    numGt: counts.reduce((a, c) => a + c, 0),
    paddedG: G,
    gtBoxes: tf.tensor3d(boxes, [B, G, 4]),
    labelOneHot: tf.tensor3d(oneHot, [B, G, numClasses]),
    laterSameClass: tf.tensor3d(later, [B, G, G]),
    inside: tf.tensor3d(inside, [B, P, G]),
    prior: tf.tensor3d(prior, [B, P, G]),
  };
}

export function disposeDwTargets(t: DwBatchTargets): void {
  tf.dispose([t.gtBoxes, t.labelOneHot, t.laterSameClass, t.inside, t.prior]);
}
