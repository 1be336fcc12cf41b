// The dense head outputs every loss and the post-processing read, for a batch of B images and the P
// points of a PointGrid (level-major, row-major).
import type { Tensor } from './tf';

/** Dense head outputs for a batch, all points of all levels in PointGrid order. */
export interface DetectorOutputs {
  /** [B, P, C] class logits. */
  clsLogits: Tensor;
  /** [B, P] centerness (DW: objectness) logits. */
  ctrLogits: Tensor;
  /** [B, P, 4] distances (l, t, r, b) in input pixels, after refinement when it is on. */
  ltrb: Tensor;
}

/** Throws unless the outputs are cls [B,P,C], ctr [B,P] and ltrb [B,P,4]. */
export function checkOutputs(outputs: DetectorOutputs, P: number, B: number): void {
  const { clsLogits, ctrLogits, ltrb } = outputs;
  const ok =
    clsLogits.rank === 3 &&
    clsLogits.shape[0] === B &&
    clsLogits.shape[1] === P &&
    ctrLogits.rank === 2 &&
    ctrLogits.shape[0] === B &&
    ctrLogits.shape[1] === P &&
    ltrb.rank === 3 &&
    ltrb.shape[0] === B &&
    ltrb.shape[1] === P &&
    ltrb.shape[2] === 4;
  if (!ok) {
    throw new Error(
      `detector outputs for ${B} images × ${P} points: got cls [${clsLogits.shape}], ` +
        `ctr [${ctrLogits.shape}], ltrb [${ltrb.shape}]`,
    );
  }
}
