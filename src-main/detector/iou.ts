// Aligned IoU and GIoU as mmdet's `bbox_overlaps(is_aligned=True)` computes them (SPEC §5.4), and the
// plain-number IoU that NMS uses.
import { splitLast } from './tensorOps';
import { tf } from './tf';
import type { Tensor } from './tf';

export interface AlignedOverlaps {
  /** [...]: intersection over union, union clamped at ≥ eps. */
  iou: Tensor;
  /** [...]: IoU − (E − U)/E, E the enclosing-box area clamped at ≥ eps. */
  giou: Tensor;
}

/**
 * IoU and GIoU of XYXY boxes `a` [..., 4] and `b` [..., 4] (broadcasting, e.g. [B,P,1,4] against
 * [B,1,G,4] gives [B,P,G]). Zero-area boxes are valid: IoU 0, GIoU ≥ −1. Differentiable in both; all
 * intermediates stay finite, so a zero weight on a pair also zeroes its gradient.
 */
export function alignedOverlaps(a: Tensor, b: Tensor, eps = 1e-6): AlignedOverlaps {
  return tf.tidy(() => {
    const split = (x: Tensor) => splitLast(x, 4); // each [..., 1]
    // tfjs's Minimum/Maximum gradients do not reduce over broadcast axes, so their operands are brought
    // to the common shape first — by adding zeros (Add's gradient does reduce; on wasm this is also
    // much faster than broadcastTo or a broadcasting Minimum).
    const [a1, a2, a3, a4] = split(a);
    const [b1, b2, b3, b4] = split(b);
    const full = broadcastShape(a1.shape, b1.shape);
    const zeros = tf.zeros(full);
    const widen = (x: Tensor) => (sameShape(x.shape, full) ? x : tf.add(x, zeros));
    const [ax1, ay1, ax2, ay2] = [a1, a2, a3, a4].map(widen) as [Tensor, Tensor, Tensor, Tensor];
    const [bx1, by1, bx2, by2] = [b1, b2, b3, b4].map(widen) as [Tensor, Tensor, Tensor, Tensor];
    const areaA = tf.mul(tf.sub(a3, a1), tf.sub(a4, a2)); // unbroadcast: Add below broadcasts
    const areaB = tf.mul(tf.sub(b3, b1), tf.sub(b4, b2));
    const iw = tf.relu(tf.sub(tf.minimum(ax2, bx2), tf.maximum(ax1, bx1)));
    const ih = tf.relu(tf.sub(tf.minimum(ay2, by2), tf.maximum(ay1, by1)));
    const overlap = tf.mul(iw, ih);
    const union = tf.maximum(tf.sub(tf.add(areaA, areaB), overlap), eps);
    const iou = tf.div(overlap, union);
    const ew = tf.relu(tf.sub(tf.maximum(ax2, bx2), tf.minimum(ax1, bx1)));
    const eh = tf.relu(tf.sub(tf.maximum(ay2, by2), tf.minimum(ay1, by1)));
    const enclosing = tf.maximum(tf.mul(ew, eh), eps);
    const giou = tf.sub(iou, tf.div(tf.sub(enclosing, union), enclosing));
    const rank = iou.rank;
    // [..., 1] → [...]
    return { iou: tf.squeeze(iou, [rank - 1]), giou: tf.squeeze(giou, [rank - 1]) };
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** NumPy broadcasting of two shapes (aligned at the last axis). */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, k) => {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`boxes [${a}] and [${b}] do not broadcast`);
    return Math.max(da, db);
  });
}

/** 1 − GIoU (mmdet `GIoULoss`, eps 1e-6), elementwise over the broadcast shape; in [0, 2]. */
export function giouLoss(a: Tensor, b: Tensor, eps = 1e-6): Tensor {
  return tf.tidy(() => {
    const { iou, giou } = alignedOverlaps(a, b, eps);
    iou.dispose();
    return tf.sub(1, giou);
  });
}

/**
 * IoU of boxes i and j of a flat XYXY array, area (x2 − x1)(y2 − y1) with no +1 offset (mmcv NMS).
 * Boxes of zero union have IoU 0.
 */
export function boxIouXYXY(boxesXYXY: ArrayLike<number>, i: number, j: number): number {
  const ax1 = boxesXYXY[4 * i] as number;
  const ay1 = boxesXYXY[4 * i + 1] as number;
  const ax2 = boxesXYXY[4 * i + 2] as number;
  const ay2 = boxesXYXY[4 * i + 3] as number;
  const bx1 = boxesXYXY[4 * j] as number;
  const by1 = boxesXYXY[4 * j + 1] as number;
  const bx2 = boxesXYXY[4 * j + 2] as number;
  const by2 = boxesXYXY[4 * j + 3] as number;
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}
