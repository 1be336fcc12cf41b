// Box encodings. A box is `XYXY` (x1, y1, x2, y2) in input pixels; a prediction is `LTRB`, the
// distances (left, top, right, bottom) from its point to the box sides (SPEC §1.2).
import { splitLast } from './tensorOps';
import { tf } from './tf';
import type { Tensor } from './tf';

/**
 * [x − l, y − t, x + r, y + b] (SPEC §1.2). `xy` [..., 2] and `ltrb` [..., 4] broadcast against each
 * other; the result is [..., 4] XYXY. Differentiable in both.
 */
export function decodeLtrb(xy: Tensor, ltrb: Tensor): Tensor {
  return tf.tidy(() => {
    const [x, y] = splitLast(xy, 2); // each [..., 1]
    const [l, t, r, b] = splitLast(ltrb, 4); // each [..., 1]
    return tf.concat([tf.sub(x, l), tf.sub(y, t), tf.add(x, r), tf.add(y, b)], -1); // [..., 4]
  });
}

/** The distances from the points `xy` [..., 2] to the sides of `boxesXYXY` [..., 4]; [..., 4]. */
export function encodeLtrb(xy: Tensor, boxesXYXY: Tensor): Tensor {
  return tf.tidy(() => {
    const [x, y] = splitLast(xy, 2); // each [..., 1]
    const [x1, y1, x2, y2] = splitLast(boxesXYXY, 4);
    return tf.concat([tf.sub(x, x1), tf.sub(y, y1), tf.sub(x2, x), tf.sub(y2, y)], -1);
  });
}

/** The labeled boxes of one training image, in the network input's pixels (after resize). */
export interface ImageTargets {
  /** [G·4] XYXY. */
  boxesXYXY: Float32Array;
  /** [G] class indices in 0 … C − 1. */
  labels: Int32Array;
}

/** The number of boxes of `t`, after checking that its arrays agree. */
export function targetCount(t: ImageTargets): number {
  const g = t.labels.length;
  if (t.boxesXYXY.length !== 4 * g) {
    throw new Error(`targets: ${t.boxesXYXY.length} box coordinates for ${g} labels`);
  }
  return g;
}
