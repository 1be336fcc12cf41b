// DW's positive and negative weights (SPEC §3–§4), one formula per function. They are meant to run on
// detached predictions (see dwLoss.ts): nothing here needs, or may carry, a gradient.
//
// Shapes: P points, G GT boxes (padded to the batch maximum), C classes. Masks are float 0/1 tensors.
import { tf } from './tf';
import type { Tensor } from './tf';

/** The joint score s = σ(cls)·σ(ctr) (SPEC §1.4): cls [..., C], ctr [...] → [..., C]. */
export function jointScore(clsLogits: Tensor, ctrLogits: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.sigmoid(clsLogits), tf.expandDims(tf.sigmoid(ctrLogits), -1)));
}

/** p_loc = exp(−β·L_GIoU), the code's stand-in for IoU^β (SPEC §3.1). */
export function regressionQuality(giouLoss: Tensor, beta: number): Tensor {
  return tf.tidy(() => tf.exp(tf.mul(giouLoss, -beta)));
}

/** t = p_cls · p_loc (SPEC §3.1). */
export function consistency(pCls: Tensor, pLoc: Tensor): Tensor {
  return tf.mul(pCls, pLoc);
}

/** exp(μ·t)·t, the unnormalised positive weight (and the pos row of the paper's Fig. 1). */
export function positiveWeightRaw(t: Tensor, mu: number): Tensor {
  return tf.tidy(() => tf.mul(tf.exp(tf.mul(t, mu)), t));
}

export interface PositiveWeightOptions {
  muNum: number;
  muDen: number;
  weightEps: number;
}

/**
 * w_pos(i, n) = exp(μ_num·t)·t·cp / max(Σ_i' exp(μ_den·t)·t·cp, eps), the sum over all points of the
 * image (SPEC §3.2). t and prior are [..., P, G]; the sum runs over axis −2. With μ_num ≠ μ_den the
 * weights of a GT sum to [1, e^{(μ_num−μ_den)·max t}), not to 1 — as in the reference.
 */
export function positiveWeights(t: Tensor, prior: Tensor, opts: PositiveWeightOptions): Tensor {
  return tf.tidy(() => {
    const num = tf.mul(positiveWeightRaw(t, opts.muNum), prior);
    const den = tf.sum(tf.mul(positiveWeightRaw(t, opts.muDen), prior), t.rank - 2, true); // [..., 1, G]
    return tf.div(num, tf.maximum(den, opts.weightEps));
  });
}

/** k = b = 1/(1 − 0.5^γ1) of the code's raw curve q(x) = b − k·x^γ1 (SPEC §4.2). */
export function negativeCurveCoefficient(gamma1: number): number {
  return 1 / (1 - Math.pow(0.5, gamma1));
}

/** The code's raw negative curve q(x) = (1 − x^γ1)/(1 − 0.5^γ1), through (0.5, 1) and (1, 0) (§4.2). */
export function negativeCurve(iou: Tensor, gamma1: number): Tensor {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.pow(iou, gamma1)), negativeCurveCoefficient(gamma1)));
}

/** The paper's k and b, the line in x^γ1 through (0.5, 1) and (0.95, 0) (SPEC §4.1). */
export function paperNegativeCoefficients(gamma1: number): { k: number; b: number } {
  const k = 1 / (Math.pow(0.95, gamma1) - Math.pow(0.5, gamma1));
  return { k, b: Math.pow(0.95, gamma1) * k };
}

/**
 * The paper's P_neg (Eq. 5–8), for comparison only — training uses the code's rule: 1 below IoU 0.5,
 * −k·x^γ1 + b through (0.5, 1) and (0.95, 0) up to 0.95, 0 above (SPEC §4.1).
 */
export function paperNegativeCurve(iou: Tensor, gamma1: number): Tensor {
  return tf.tidy(() => {
    const { k, b } = paperNegativeCoefficients(gamma1);
    const mid = tf.sub(b, tf.mul(tf.pow(iou, gamma1), k));
    const low = tf.less(iou, 0.5);
    const high = tf.greater(iou, 0.95);
    return tf.where(low, tf.onesLike(iou), tf.where(high, tf.zerosLike(iou), mid));
  });
}

/** Finite stand-in for ±∞ in masked min/max, so that no NaN can appear (SPEC §5, TF.js numerics). */
const MASK_BIG = 1e30;

/**
 * The reference's per-bag rescaling of q (SPEC §4.2): over the points inside GT n,
 * y = (q − min q + eps) / (min(1, max q) − min q + eps), then y = 1 where IoU < 0.5. `iou` [..., P, G]
 * is the plain IoU, `inside` [..., P, G] the bag mask; the result is 1 outside the bag.
 */
export function bagNegativeWeights(iou: Tensor, inside: Tensor, gamma1: number, eps: number): Tensor {
  return tf.tidy(() => {
    const axis = iou.rank - 2;
    const outside = tf.sub(1, inside);
    const q = negativeCurve(iou, gamma1);
    const t1 = tf.min(tf.add(tf.mul(q, inside), tf.mul(outside, MASK_BIG)), axis, true); // [..., 1, G]
    const qMax = tf.max(tf.sub(tf.mul(q, inside), tf.mul(outside, MASK_BIG)), axis, true); // [..., 1, G]
    const t2 = tf.minimum(qMax, 1);
    const y = tf.div(tf.add(tf.sub(q, t1), eps), tf.add(tf.sub(t2, t1), eps));
    const yLow = tf.where(tf.less(iou, 0.5), tf.onesLike(y), y);
    return tf.add(tf.mul(yLow, inside), outside);
  });
}

/**
 * Scatters the bag values y [B, P, G] into P_neg [B, P, C], which is 1 except at (point in bag n, class
 * of n) (SPEC §4.2 step 3). Where several GTs of one class contain a point, the **last GT wins** (the
 * highest index, as `vectors.py` does; the reference leaves the order undefined): `laterSameClass`
 * [B, G, G] has (m, n) = 1 when m > n and both have the same class, and only bag entries no later
 * same-class GT contains are scattered. Each (point, class) then receives at most one value, so the
 * matmuls below are exact. `labelOneHot` is [B, G, C] (zero rows for padding).
 */
export function scatterNegativeWeights(
  y: Tensor,
  inside: Tensor,
  labelOneHot: Tensor,
  laterSameClass: Tensor,
): Tensor {
  return tf.tidy(() => {
    const overwritten = tf.matMul(inside, laterSameClass); // [B, P, G]: later same-class bags holding i
    const selected = tf.mul(inside, tf.cast(tf.less(overwritten, 0.5), 'float32')); // [B, P, G]
    const values = tf.matMul(tf.mul(selected, y), labelOneHot); // [B, P, C]
    const touched = tf.matMul(selected, labelOneHot); // [B, P, C], 0 or 1
    return tf.add(values, tf.sub(1, touched));
  });
}

/** w_neg = P_neg · s^γ2 (SPEC §4.2 step 4). In the loss s² keeps its gradient; see dwLoss.ts. */
export function negativeWeights(pNeg: Tensor, score: Tensor, gamma2: number): Tensor {
  return tf.tidy(() => tf.mul(pNeg, tf.pow(score, gamma2)));
}

/** [G·C] one-hot rows of `labels`, padded with zero rows up to `paddedG`. */
export function labelOneHot(labels: ArrayLike<number>, paddedG: number, numClasses: number): Float32Array {
  const out = new Float32Array(paddedG * numClasses);
  for (let n = 0; n < labels.length; n++) {
    const c = labels[n] as number;
    if (!(c >= 0 && c < numClasses)) throw new Error(`label ${c} outside 0…${numClasses - 1}`);
    out[n * numClasses + c] = 1;
  }
  return out;
}

/** [G·G] with (m, n) = 1 when m > n and labels[m] = labels[n]; padded with zeros up to `paddedG`. */
export function laterSameClass(labels: ArrayLike<number>, paddedG: number): Float32Array {
  const out = new Float32Array(paddedG * paddedG);
  for (let m = 0; m < labels.length; m++) {
    for (let n = 0; n < m; n++) if (labels[m] === labels[n]) out[m * paddedG + n] = 1;
  }
  return out;
}
