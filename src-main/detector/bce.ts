// Binary cross-entropy forms that stay finite and precise in float32 — with their gradients — for any
// logits: tfjs's log(0) is −∞ and 0·∞ is NaN, and `tf.logSigmoid`'s gradient is broken (TFJS.md §1.7).
import { detach } from './tensorOps';
import { tf } from './tf';
import type { Tensor } from './tf';

/**
 * −ln(σ(a)·σ(b)) = softplus(−a) + softplus(−b), capped at `max` (torch clamps the log at −100).
 * `a` [..., G] and `b` [..., 1] broadcast. Used for DW's positive term −ln p_cls (SPEC §5).
 */
export function negLogJointScore(clsLogit: Tensor, ctrLogit: Tensor, max: number): Tensor {
  return tf.tidy(() => tf.minimum(tf.add(tf.softplus(tf.neg(clsLogit)), tf.softplus(tf.neg(ctrLogit))), max));
}

/** Below this the joint score is so small that ln(1 − s) is best taken as log1p(−s). */
const SMALL_SCORE = 0.5;
/** Floor of 1 − s before its log: finite log and gradient when both sigmoids saturate. */
const ONE_MINUS_FLOOR = 1e-30;

/**
 * −ln(1 − s), s = σ(a)·σ(b) = `score` (cls [..., C], ctr [..., 1], score [..., C]), capped at `max`.
 * For small s it is −log1p(−s); for large s, 1 − s is formed without cancellation as
 * σ(−a) + σ(a)·σ(−b), so neither branch loses precision or produces a non-finite gradient.
 */
export function negLogOneMinusJointScore(
  clsLogits: Tensor,
  ctrLogits: Tensor,
  score: Tensor,
  max: number,
): Tensor {
  return tf.tidy(() => {
    const small = tf.neg(tf.log1p(tf.neg(tf.minimum(score, SMALL_SCORE))));
    const oneMinus = tf.add(
      tf.sigmoid(tf.neg(clsLogits)),
      tf.mul(tf.sigmoid(clsLogits), tf.sigmoid(tf.neg(ctrLogits))),
    );
    const large = tf.neg(tf.log(tf.maximum(oneMinus, ONE_MINUS_FLOOR)));
    // The branch choice must not be on the tape (Less has no gradient).
    const useSmall = tf.less(detach(score), SMALL_SCORE);
    return tf.minimum(tf.where(useSmall, small, large), max);
  });
}

/** BCE with logits, max(x, 0) − x·y + log1p(exp(−|x|)), elementwise; y may be soft. */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() =>
    tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
  );
}

/**
 * Sigmoid focal loss on p = σ(x), elementwise (mmdet / RetinaNet): α_t·(1 − p_t)^γ·BCE(x, y) with
 * α_t = α·y + (1 − α)(1 − y) and p_t = p·y + (1 − p)(1 − y).
 */
export function sigmoidFocalLoss(logits: Tensor, targets: Tensor, alpha: number, gamma: number): Tensor {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const pt = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), tf.sub(1, targets)));
    const oneMinusPt = tf.sub(1, pt);
    const modulator = gamma === 2 ? tf.square(oneMinusPt) : tf.pow(oneMinusPt, gamma);
    const alphaT = tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha));
    return tf.mul(tf.mul(alphaT, modulator), bceWithLogits(logits, targets));
  });
}
