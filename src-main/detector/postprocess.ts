// From dense scores to detections (SPEC §7 for DW, §8 "Inference" for FCOS), in plain JS over typed
// arrays: one read from the device per batch, then per level threshold + top-k, decode, clip, rescale,
// class-wise NMS and the per-image cap.
//
// The two heads differ only in the filter score: DW filters on s = σ(cls)·σ(ctr) and reports s; FCOS
// filters on σ(cls) and reports σ(cls)·σ(ctr). Here: `filterScores` [P·C] and an optional per-point
// `scoreFactor` [P] (the reported score is filter × factor).
import { INFERENCE_HYPER } from './dwConfig';
import type { InferenceHyper } from './dwConfig';
import { boxIouXYXY } from './iou';
import { checkOutputs } from './outputs';
import type { DetectorOutputs } from './outputs';
import type { PointGrid } from './points';
import { tf } from './tf';

/** Where the network input came from: the resized image (before padding) and its scale. */
export interface ImageFrame {
  /** Resized (unpadded) input size in pixels: boxes are clipped to [0, width] × [0, height]. */
  height: number;
  width: number;
  /** resized / original along x and y; boxes are divided by these to return to original pixels. */
  scaleX: number;
  scaleY: number;
}

export interface DenseImageScores {
  /** [P·C] the score that is thresholded and ranked. */
  filterScores: Float32Array;
  /** [P] optional factor of the reported score (FCOS: σ(ctr)). */
  scoreFactor?: Float32Array | undefined;
  /** [P·4] (l, t, r, b) in input pixels. */
  ltrb: Float32Array;
}

export interface Detections {
  /** [K·4] XYXY in original image pixels. */
  boxesXYXY: Float32Array;
  /** [K] descending. */
  scores: Float32Array;
  /** [K] class indices. */
  labels: Int32Array;
}

/**
 * The (point, class) pairs of points `start … end − 1` with score > threshold (strict, in float32), best first,
 * at most `k`: flat indices p·C + c. Ties keep the lower flat index first (a stable order; the
 * reference's GPU sort leaves it open).
 */
export function topPairs(
  scores: Float32Array,
  numClasses: number,
  start: number,
  end: number,
  threshold: number,
  k: number,
): number[] {
  const kept: number[] = [];
  // Compared in float32, as the reference compares a float32 tensor with a Python float.
  const thr = Math.fround(threshold);
  for (let f = start * numClasses; f < end * numClasses; f++) {
    if ((scores[f] as number) > thr) kept.push(f);
  }
  if (kept.length > k) {
    // The k-th best score bounds the selection; sorting numbers is fast, sorting pairs is not needed.
    const values = Float32Array.from(kept, (f) => scores[f] as number).sort();
    const kth = values[values.length - k] as number;
    let above = 0;
    for (const f of kept) if ((scores[f] as number) > kth) above++;
    let tiesLeft = k - above;
    const selected: number[] = [];
    for (const f of kept) {
      const v = scores[f] as number;
      if (v > kth || (v === kth && tiesLeft-- > 0)) selected.push(f);
    }
    kept.length = 0;
    kept.push(...selected);
  }
  return kept.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/**
 * Greedy class-wise NMS over candidates sorted best first: a box is dropped when its IoU with a kept
 * box of the same class is > `iouThreshold` (mmcv: strictly greater, area without +1). Stops once
 * `maxKeep` boxes are kept — the same result as NMS per class followed by the global top-`maxKeep`,
 * since a box's fate depends only on better boxes of its class. Returns positions into the input.
 */
export function classwiseNms(
  boxesXYXY: Float32Array,
  labels: Int32Array,
  iouThreshold: number,
  maxKeep: number,
): number[] {
  const keptByClass = new Map<number, number[]>();
  const kept: number[] = [];
  for (let i = 0; i < labels.length && kept.length < maxKeep; i++) {
    const label = labels[i] as number;
    let same = keptByClass.get(label);
    if (same?.some((j) => boxIouXYXY(boxesXYXY, i, j) > iouThreshold)) continue;
    if (!same) keptByClass.set(label, (same = []));
    same.push(i);
    kept.push(i);
  }
  return kept;
}

/** Detections of one image from its dense scores (SPEC §7 steps 1–8). */
export function postprocessImage(
  dense: DenseImageScores,
  points: PointGrid,
  numClasses: number,
  frame: ImageFrame,
  hyper: InferenceHyper = INFERENCE_HYPER,
): Detections {
  const pairs: number[] = [];
  for (let l = 0; l + 1 < points.levelStarts.length; l++) {
    const start = points.levelStarts[l] as number;
    const end = points.levelStarts[l + 1] as number;
    const top = topPairs(dense.filterScores, numClasses, start, end, hyper.scoreThreshold, hyper.nmsPre);
    for (const f of top) pairs.push(f);
  }
  const n = pairs.length;
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  const labels = new Int32Array(n);
  pairs.forEach((f, k) => {
    const p = Math.floor(f / numClasses);
    const x = points.xy[2 * p] as number;
    const y = points.xy[2 * p + 1] as number;
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    boxes[4 * k] = clip(x - (dense.ltrb[4 * p] as number), frame.width) / frame.scaleX;
    boxes[4 * k + 1] = clip(y - (dense.ltrb[4 * p + 1] as number), frame.height) / frame.scaleY;
    boxes[4 * k + 2] = clip(x + (dense.ltrb[4 * p + 2] as number), frame.width) / frame.scaleX;
    boxes[4 * k + 3] = clip(y + (dense.ltrb[4 * p + 3] as number), frame.height) / frame.scaleY;
    const factor = dense.scoreFactor ? (dense.scoreFactor[p] as number) : 1;
    scores[k] = (dense.filterScores[f] as number) * factor;
    labels[k] = f % numClasses;
  });
  // Best first over all levels; ties keep level order, then pair order (stable sort).
  const order = Array.from({ length: n }, (_, k) => k).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  const sortedBoxes = new Float32Array(n * 4);
  const sortedLabels = new Int32Array(n);
  order.forEach((k, r) => {
    sortedBoxes.set(boxes.subarray(4 * k, 4 * k + 4), 4 * r);
    sortedLabels[r] = labels[k] as number;
  });
  const keep = classwiseNms(sortedBoxes, sortedLabels, hyper.nmsIou, hyper.maxPerImage);
  return {
    boxesXYXY: Float32Array.from(keep.flatMap((r) => Array.from(sortedBoxes.subarray(4 * r, 4 * r + 4)))),
    scores: Float32Array.from(keep, (r) => scores[order[r] as number] as number),
    labels: Int32Array.from(keep, (r) => sortedLabels[r] as number),
  };
}

/** Which score is filtered and reported: DW's joint score (§7) or FCOS's σ(cls) with σ(ctr) (§8). */
export type ScoreRule = 'dw' | 'fcos';

/**
 * Detections for a batch of network outputs (ltrb in input pixels, final). Scores are formed on the
 * device and read back once; the rest runs in JS. The caller keeps ownership of `outputs`.
 */
export async function detectBatch(
  outputs: DetectorOutputs,
  points: PointGrid,
  frames: readonly ImageFrame[],
  rule: ScoreRule,
  hyper: InferenceHyper = INFERENCE_HYPER,
): Promise<Detections[]> {
  const B = frames.length;
  const P = points.count;
  checkOutputs(outputs, P, B);
  const C = outputs.clsLogits.shape[2] as number;
  const packed = tf.tidy(() => {
    const cls = tf.sigmoid(outputs.clsLogits); // [B,P,C]
    const ctr = tf.expandDims(tf.sigmoid(outputs.ctrLogits), -1); // [B,P,1]
    const filter = rule === 'dw' ? tf.mul(cls, ctr) : cls;
    return tf.concat([filter, outputs.ltrb, ctr], -1); // [B,P,C+5]
  });
  const data = (await packed.data()) as Float32Array;
  packed.dispose();
  const width = C + 5;
  return frames.map((frame, b) => {
    const filterScores = new Float32Array(P * C);
    const ltrb = new Float32Array(P * 4);
    const factor = new Float32Array(P);
    for (let p = 0; p < P; p++) {
      const row = (b * P + p) * width;
      filterScores.set(data.subarray(row, row + C), p * C);
      ltrb.set(data.subarray(row + C, row + C + 4), p * 4);
      factor[p] = data[row + C + 4] as number;
    }
    const scoreFactor = rule === 'fcos' ? factor : undefined;
    return postprocessImage({ filterScores, scoreFactor, ltrb }, points, C, frame, hyper);
  });
}
