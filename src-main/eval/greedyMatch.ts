/**
 * One image and class at one IoU threshold: detections (rows, best score first) take, in turn, the
 * ground truth box (column) they overlap most. The rules are pycocotools' `evaluateImg`:
 *  - columns come non-ignored first; once a detection holds a non-ignored box it stops before the
 *    ignored ones, so a real match always beats a better-overlapping ignored region;
 *  - a box already taken is skipped, unless it is a crowd region, which any number of detections share;
 *  - an overlap equal to the best so far still replaces it (`<` test), so ties go to the later column;
 *  - the threshold is capped just below 1 so that IoU 1.0 can match at threshold 1.0.
 */
export interface MatchProblem {
  numDets: number;
  numGts: number;
  /** numDets × numGts, row-major; rows in score order, columns in preference order. */
  iou: Float64Array;
  /** Per column: 1 where the box is ignored (crowd, or outside the area range). */
  gtIgnore?: Uint8Array;
  /** Per column: 1 for a crowd region. */
  gtCrowd?: Uint8Array;
}

/**
 * Fills `detToGt[d]` with the matched column or -1, and returns per column whether it was taken.
 * `detToGt` must hold `numDets` entries.
 */
export function greedyMatch(p: MatchProblem, threshold: number, detToGt: Int32Array): Uint8Array {
  const { numDets: D, numGts: G, iou, gtIgnore, gtCrowd } = p;
  const taken = new Uint8Array(G);
  for (let d = 0; d < D; d++) {
    let best = Math.min(threshold, 1 - 1e-10);
    let m = -1;
    const row = d * G;
    for (let g = 0; g < G; g++) {
      if (taken[g] && !gtCrowd?.[g]) continue;
      if (m > -1 && !gtIgnore?.[m] && gtIgnore?.[g]) break;
      const v = iou[row + g]!;
      if (v < best) continue;
      best = v;
      m = g;
    }
    detToGt[d] = m;
    if (m > -1) taken[m] = 1;
  }
  return taken;
}
