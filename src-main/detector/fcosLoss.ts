// The FCOS baseline loss, mmdet 2.25.3 `FCOSHead.loss` (SPEC §8), with the same inputs as dwLoss:
//
//   fcosLoss(
//     { clsLogits [B,P,C], ctrLogits [B,P], ltrb [B,P,4] },   // ltrb in input pixels
//     points, targets: ImageTargets[], hyper = fcosHyperForStrides(points.strides),
//   ) → { total, cls, bbox, ctr }                             // scalars, differentiable
//
// The FCOS head predicts stride-normalised distances at training (norm_on_bbox); pass them multiplied
// by the stride. Strides are powers of two, so the division back is exact.
//   cls:  sigmoid focal loss (α 0.25, γ 2) on σ(cls) over all points × classes, / num_pos
//   bbox: GIoU loss of positives weighted by the centerness target, / max(Σ ctr*, 1e-6)
//   ctr:  BCE-with-logits of positives against ctr*, / num_pos
// num_pos = max(#positives in the batch, 1), and every divisor gets +1.19e-7 as in mmdet. When the
// batch is split over compute workers, `totals` sums the positives and centre-ness of every share. The masks
// are multiplications (no gather), so no gather gradient is needed and shapes never depend on the data.
import type { BatchTotals } from './batchTotals';
import { decodeLtrb } from './boxes';
import type { ImageTargets } from './boxes';
import { bceWithLogits, sigmoidFocalLoss } from './bce';
import { F32_EPS, fcosHyperForStrides } from './dwConfig';
import type { FcosHyper } from './dwConfig';
import { checkOutputs } from './outputs';
import type { DetectorOutputs } from './outputs';
import { fcosTargets } from './fcosTargets';
import type { FcosTargets } from './fcosTargets';
import { giouLoss } from './iou';
import type { PointGrid } from './points';
import { tidy } from './tensorOps';
import { tf } from './tf';
import type { Scalar, Tensor } from './tf';

export interface FcosBatchTargets {
  /** Positive points over the batch. */
  numPos: number;
  /** Σ of the centerness targets of the positives. */
  centernessSum: number;
  /** [B, P, C] one-hot class targets, all zero for background. */
  labelOneHot: Tensor;
  /** [B, P, 4] target distances / stride; a harmless unit box for background (weight 0). */
  ltrbStrides: Tensor;
  /** [B, P] centerness targets, 0 for background. */
  centerness: Tensor;
  /** [B, P] 1 for positives. */
  positive: Tensor;
}

/** Batch tensors from per-image targets. New tensors: call inside a tidy, or dispose them. */
export function prepareFcosTargets(
  points: PointGrid,
  perImage: readonly FcosTargets[],
  numClasses: number,
): FcosBatchTargets {
  const B = perImage.length;
  const P = points.count;
  const oneHot = new Float32Array(B * P * numClasses);
  const ltrb = new Float32Array(B * P * 4).fill(1);
  const centerness = new Float32Array(B * P);
  const positive = new Float32Array(B * P);
  let numPos = 0;
  let centernessSum = 0;
  perImage.forEach((t, b) => {
    for (const i of t.positives) {
      const bi = b * P + i;
      oneHot[bi * numClasses + (t.labels[i] as number)] = 1;
      ltrb.set(t.ltrbStrides.subarray(4 * i, 4 * i + 4), 4 * bi);
      centerness[bi] = t.centerness[i] as number;
      positive[bi] = 1;
      numPos += 1;
      centernessSum += t.centerness[i] as number;
    }
  });
  return {
    numPos,
    centernessSum,
    labelOneHot: tf.tensor3d(oneHot, [B, P, numClasses]),
    ltrbStrides: tf.tensor3d(ltrb, [B, P, 4]),
    centerness: tf.tensor2d(centerness, [B, P]),
    positive: tf.tensor2d(positive, [B, P]),
  };
}

export interface FcosLoss {
  total: Scalar;
  cls: Scalar;
  bbox: Scalar;
  ctr: Scalar;
}

/** The three FCOS terms for prepared targets; differentiable in `outputs`. */
export function fcosLossFromTargets(
  outputs: DetectorOutputs,
  points: PointGrid,
  targets: FcosBatchTargets,
  hyper: Pick<FcosHyper, 'focalAlpha' | 'focalGamma' | 'iouEps' | 'ctrWeightFloor'>,
  totals?: BatchTotals,
): FcosLoss {
  const [posTotal, ctrTotal] = totals
    ? totals([targets.numPos, targets.centernessSum])
    : [targets.numPos, targets.centernessSum];
  return tf.tidy(() => {
    const P = points.count;
    const numPos = Math.max(posTotal!, 1) + F32_EPS;
    const focal = sigmoidFocalLoss(
      outputs.clsLogits,
      targets.labelOneHot,
      hyper.focalAlpha,
      hyper.focalGamma,
    );
    const cls = tf.div(tf.sum(focal), numPos) as Scalar;

    const xy = tf.tensor3d(points.xy, [1, P, 2]);
    const stride = tf.tensor3d(points.stride, [1, P, 1]);
    // Boxes from stride-normalised distances about the pixel point, as mmdet decodes them (SPEC §8).
    const predBoxes = decodeLtrb(xy, tf.div(outputs.ltrb, stride)); // [B,P,4]
    const targetBoxes = decodeLtrb(xy, targets.ltrbStrides); // [B,P,4]
    const giou = giouLoss(predBoxes, targetBoxes, hyper.iouEps); // [B,P]
    const ctrDen = Math.max(ctrTotal!, hyper.ctrWeightFloor) + F32_EPS;
    const bbox = tf.div(tf.sum(tf.mul(giou, targets.centerness)), ctrDen) as Scalar;

    const ctrBce = bceWithLogits(outputs.ctrLogits, targets.centerness); // [B,P]
    const ctr = tf.div(tf.sum(tf.mul(ctrBce, targets.positive)), numPos) as Scalar;
    const total = tf.addN([cls, bbox, ctr]) as Scalar;
    return { total, cls, bbox, ctr };
  });
}

/** The FCOS loss of a batch; see the header of this file. */
export function fcosLoss(
  outputs: DetectorOutputs,
  points: PointGrid,
  targets: readonly ImageTargets[],
  hyper: FcosHyper = fcosHyperForStrides(points.strides),
  totals?: BatchTotals,
): FcosLoss {
  checkOutputs(outputs, points.count, targets.length);
  const numClasses = outputs.clsLogits.shape[2] as number;
  const perImage = targets.map((t) => fcosTargets(points, t, numClasses, hyper));
  return tidy(() =>
    fcosLossFromTargets(outputs, points, prepareFcosTargets(points, perImage, numClasses), hyper, totals),
  );
}
