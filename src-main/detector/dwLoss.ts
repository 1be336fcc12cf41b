// The DW loss for a batch (SPEC §5), split so that each stage can be tested alone:
//
//   dwForward    differentiable geometry and scores from the network outputs
//   dwWeights    w_pos, P_neg and the negative normaliser, computed on detached copies (no gradient)
//   dwLossTerms  the three loss terms, given fixed weights
//   dwLoss       all three for the training step
//
// Batch API (the training step calls this inside its tf.variableGrads):
//
//   dwLoss(
//     { clsLogits [B,P,C], ctrLogits [B,P], ltrb [B,P,4] },   // ltrb in input pixels, the final boxes
//     points,                                                   // PointGrid of the padded input
//     targets: ImageTargets[],                                  // B images, boxes in input pixels
//     hyper = DW_HYPER,
//   ) → { total, clsPos, loc, clsNeg }                          // scalars, differentiable
//
// P lists the points in PointGrid order (level-major, row-major). Gradient flows through −ln p_cls,
// β·L_GIoU, s² and −ln(1 − s) only; w_pos, P_neg and the normalisers are constants (SPEC §5,
// stop-gradient summary). Images without boxes are fine: they add negative terms only.
//
// Normalisers are batch totals, the single-device form of the reference's all-reduce mean:
// N_gt = max(Σ G, 1) and N_neg = max(Σ Σ_{i,c} (1 − P_neg), 1). When the batch is split over compute
// workers, `totals` sums each worker's share, so every share is divided by the whole batch's totals.
// Where two GTs of one class contain a point, P_neg takes the value of the later GT
// (`scatterNegativeWeights`).
import type { BatchTotals } from './batchTotals';
import { decodeLtrb } from './boxes';
import type { ImageTargets } from './boxes';
import { negLogJointScore, negLogOneMinusJointScore } from './bce';
import { DW_HYPER } from './dwConfig';
import type { DwHyper } from './dwConfig';
import { prepareDwTargets } from './dwTargets';
import type { DwBatchTargets } from './dwTargets';
import { checkOutputs } from './outputs';
import type { DetectorOutputs } from './outputs';
import {
  bagNegativeWeights,
  consistency,
  jointScore,
  positiveWeights,
  regressionQuality,
  scatterNegativeWeights,
} from './dwWeights';
import { alignedOverlaps } from './iou';
import type { PointGrid } from './points';
import { detach } from './tensorOps';
import { tf } from './tf';
import type { Scalar, Tensor } from './tf';

export interface DwForward {
  /** [B, P, C] joint score s = σ(cls)·σ(ctr). */
  score: Tensor;
  /** [B, P, G] the class logit at each GT's class. */
  clsAtLabel: Tensor;
  /** [B, P, G] 1 − GIoU(predicted box, GT) for every pair. */
  giouLoss: Tensor;
  /** [B, P, G] plain IoU for every pair (not yet masked to the bag). */
  iou: Tensor;
}

/** The differentiable per-pair quantities. `xy` is the [P, 2] point tensor. */
export function dwForward(
  outputs: DetectorOutputs,
  xy: Tensor,
  targets: DwBatchTargets,
  iouEps = DW_HYPER.iouEps,
): DwForward {
  return tf.tidy(() => {
    const score = jointScore(outputs.clsLogits, outputs.ctrLogits);
    // [B,P,C] × [B,G,C]ᵀ → [B,P,G]: a gather by one-hot matmul, exact, and differentiable on every backend.
    const clsAtLabel = tf.matMul(outputs.clsLogits, targets.labelOneHot, false, true);
    const boxes = decodeLtrb(tf.expandDims(xy, 0), outputs.ltrb); // [1,P,2] & [B,P,4] → [B,P,4]
    const { iou, giou } = alignedOverlaps(
      tf.expandDims(boxes, 2), // [B,P,1,4]
      tf.expandDims(targets.gtBoxes, 1), // [B,1,G,4]
      iouEps,
    ); // [B,P,G]
    return { score, clsAtLabel, giouLoss: tf.sub(1, giou), iou };
  });
}

export interface DwWeightMaps {
  /** [B, P, G] s at each GT's class. */
  pCls: Tensor;
  /** [B, P, G] exp(−β·L_GIoU). */
  pLoc: Tensor;
  /** [B, P, G] t = p_cls·p_loc. */
  t: Tensor;
  /** [B, P, G] IoU, 0 outside the GT's box. */
  iouInBag: Tensor;
  /** [B, P, G] positive (and regression) weight, SPEC §3.2. */
  wPos: Tensor;
  /** [B, P, C] P_neg, SPEC §4.2. */
  pNeg: Tensor;
  /** Σ over the batch of Σ_{i,c} (1 − P_neg), before its clamp at 1. */
  negAvgFactor: Scalar;
}

/** DW's weights from detached copies of `forward`: none of the results is on the gradient tape. */
export function dwWeights(
  forward: DwForward,
  targets: DwBatchTargets,
  hyper: DwHyper = DW_HYPER,
): DwWeightMaps {
  return tf.tidy(() => {
    const score = detach(forward.score);
    const pCls = tf.matMul(score, targets.labelOneHot, false, true); // [B,P,G], exact
    const pLoc = regressionQuality(detach(forward.giouLoss), hyper.beta);
    const t = consistency(pCls, pLoc);
    const wPos = positiveWeights(t, targets.prior, hyper);
    const iouInBag = tf.mul(detach(forward.iou), targets.inside);
    const y = bagNegativeWeights(iouInBag, targets.inside, hyper.gamma1, hyper.weightEps);
    const pNeg = scatterNegativeWeights(y, targets.inside, targets.labelOneHot, targets.laterSameClass);
    const negAvgFactor = tf.sum(tf.sub(1, pNeg)) as Scalar;
    return { pCls, pLoc, t, iouInBag, wPos, pNeg, negAvgFactor };
  });
}

export interface DwLossTerms {
  total: Scalar;
  /** 0.25 · Σ w_pos·(−ln p_cls) / N_gt */
  clsPos: Scalar;
  /** 0.25 · Σ w_pos·β·L_GIoU / N_gt */
  loc: Scalar;
  /** Σ P_neg·s²·(−ln(1 − s)) / N_neg */
  clsNeg: Scalar;
  /** The batch sums before the scale and the normalisers. */
  sumPos: Scalar;
  sumLoc: Scalar;
  sumNeg: Scalar;
  /** N_neg before its clamp (no gradient). */
  negAvgFactor: Scalar;
}

/** The three DW terms for fixed weights (SPEC §5); differentiable in `outputs` through `forward`. */
export function dwLossTerms(
  outputs: DetectorOutputs,
  forward: DwForward,
  targets: DwBatchTargets,
  weights: Pick<DwWeightMaps, 'wPos' | 'pNeg' | 'negAvgFactor'>,
  hyper: DwHyper = DW_HYPER,
  totals?: BatchTotals,
): DwLossTerms {
  return tf.tidy(() => {
    const ctr = tf.expandDims(outputs.ctrLogits, -1); // [B,P,1]
    const posBce = negLogJointScore(forward.clsAtLabel, ctr, hyper.bceMax); // [B,P,G]
    const sumPos = tf.sum(tf.mul(weights.wPos, posBce)) as Scalar;
    // −ln p_loc = β·L, with the same clamp as −ln p_cls (never reached: β·L ≤ 2β).
    const locLoss = tf.minimum(tf.mul(forward.giouLoss, hyper.beta), hyper.bceMax); // [B,P,G]
    const sumLoc = tf.sum(tf.mul(weights.wPos, locLoss)) as Scalar;
    const negBce = negLogOneMinusJointScore(outputs.clsLogits, ctr, forward.score, hyper.bceMax); // [B,P,C]
    const iNeg = hyper.gamma2 === 2 ? tf.square(forward.score) : tf.pow(forward.score, hyper.gamma2);
    const sumNeg = tf.sum(tf.mul(tf.mul(weights.pNeg, iNeg), negBce)) as Scalar;
    let nGt: number;
    let nNeg: Tensor | number;
    if (totals) {
      const [gts, neg] = totals([targets.numGt, weights.negAvgFactor.dataSync()[0]!]);
      nGt = Math.max(gts!, 1);
      nNeg = Math.max(neg!, 1);
    } else {
      nGt = Math.max(targets.numGt, 1);
      nNeg = tf.maximum(weights.negAvgFactor, 1);
    }
    const clsPos = tf.mul(sumPos, hyper.posScale / nGt) as Scalar;
    const loc = tf.mul(sumLoc, hyper.posScale / nGt) as Scalar;
    const clsNeg = tf.div(sumNeg, nNeg) as Scalar;
    const total = tf.addN([clsPos, loc, clsNeg]) as Scalar;
    const negAvgFactor = tf.clone(weights.negAvgFactor);
    return { total, clsPos, loc, clsNeg, sumPos, sumLoc, sumNeg, negAvgFactor };
  });
}

export interface DwLoss {
  total: Scalar;
  clsPos: Scalar;
  loc: Scalar;
  clsNeg: Scalar;
}

/** The DW loss of a batch; see the header of this file. */
export function dwLoss(
  outputs: DetectorOutputs,
  points: PointGrid,
  targets: readonly ImageTargets[],
  hyper: DwHyper = DW_HYPER,
  totals?: BatchTotals,
): DwLoss {
  checkOutputs(outputs, points.count, targets.length);
  return tf.tidy(() => {
    const numClasses = outputs.clsLogits.shape[2] as number;
    const prepared = prepareDwTargets(points, targets, numClasses, hyper);
    const xy = tf.tensor2d(points.xy, [points.count, 2]);
    const forward = dwForward(outputs, xy, prepared, hyper.iouEps);
    const weights = dwWeights(forward, prepared, hyper);
    const { total, clsPos, loc, clsNeg } = dwLossTerms(outputs, forward, prepared, weights, hyper, totals);
    return { total, clsPos, loc, clsNeg };
  });
}
