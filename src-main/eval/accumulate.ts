import type { ImageClassEval } from './evaluateImage';
import { AREA_RANGES, EPS, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './params';
import type { RawPrCurve } from './types';

/** Per-image results for every class k and area range a, images in ascending id order. */
export interface EvalGrid {
  numClasses: number;
  numImages: number;
  /** Index (k * A + a) * numImages + i; null where the image has neither boxes nor detections. */
  cells: (ImageClassEval | null)[];
}

/** pycocotools' `eval` arrays; -1 marks a setting without ground truth. */
export interface Accumulated {
  /** [T][R][K][A][M], flattened in that order. */
  precision: Float64Array;
  /** [T][K][A][M], flattened in that order. */
  recall: Float64Array;
  /** Per class, the raw curve at IoU 0.5, area all, the largest maxDets; null without ground truth. */
  raw50: (RawPrCurve | null)[];
  dims: { T: number; R: number; K: number; A: number; M: number };
}

export function precisionIndex(acc: Accumulated, t: number, r: number, k: number, a: number, m: number) {
  const { R, K, A, M } = acc.dims;
  return (((t * R + r) * K + k) * A + a) * M + m;
}

export function recallIndex(acc: Accumulated, t: number, k: number, a: number, m: number) {
  const { K, A, M } = acc.dims;
  return ((t * K + k) * A + a) * M + m;
}

/** The detections of every image pooled for one class and area range, best score first. */
interface Pool {
  /** Per pooled detection: which image result and which of its detections. */
  cell: ImageClassEval[];
  det: number[];
  numGt: number;
}

function pool(cells: ImageClassEval[], maxDet: number): Pool {
  const cell: ImageClassEval[] = [];
  const det: number[] = [];
  const scores: number[] = [];
  let numGt = 0;
  for (const e of cells) {
    numGt += e.numGt;
    const n = Math.min(e.scores.length, maxDet);
    for (let d = 0; d < n; d++) {
      cell.push(e);
      det.push(d);
      scores.push(e.scores[d]!);
    }
  }
  // Stable, as numpy's mergesort: equal scores keep image order, then per-image order.
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { cell: order.map((i) => cell[i]!), det: order.map((i) => det[i]!), numGt };
}

export function accumulate(grid: EvalGrid): Accumulated {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const K = grid.numClasses;
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const acc: Accumulated = {
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
    raw50: new Array<RawPrCurve | null>(K).fill(null),
    dims: { T, R, K, A, M },
  };
  const I = grid.numImages;
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const cells = grid.cells
        .slice((k * A + a) * I, (k * A + a + 1) * I)
        .filter((e): e is ImageClassEval => e !== null);
      if (cells.length === 0) continue;
      for (let m = 0; m < M; m++) {
        const p = pool(cells, MAX_DETS[m]!);
        if (p.numGt === 0) continue;
        for (let t = 0; t < T; t++) {
          const wantRaw = t === 0 && a === 0 && m === M - 1;
          accumulateOne(acc, p, t, k, a, m, wantRaw);
        }
      }
    }
  }
  return acc;
}

/** One IoU threshold of one setting: cumulative TP/FP down the score order, then precision at R recalls. */
function accumulateOne(
  acc: Accumulated,
  p: Pool,
  t: number,
  k: number,
  a: number,
  m: number,
  wantRaw: boolean,
): void {
  const N = p.det.length;
  const rc = new Float64Array(N);
  const pr = new Float64Array(N);
  const raw: RawPrCurve = { recall: [], precision: [], score: [] };
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < N; j++) {
    const e = p.cell[j]!;
    const i = t * e.scores.length + p.det[j]!;
    const counts = !e.ignored[i];
    if (counts && e.matched[i]) tp++;
    else if (counts) fp++;
    // An ignored detection repeats the previous point, exactly as pycocotools' cumsum does.
    rc[j] = tp / p.numGt;
    pr[j] = tp / (fp + tp + EPS);
    if (wantRaw && counts) {
      raw.recall.push(rc[j]!);
      raw.precision.push(pr[j]!);
      raw.score.push(e.scores[p.det[j]!]!);
    }
  }
  acc.recall[recallIndex(acc, t, k, a, m)] = N > 0 ? rc[N - 1]! : 0;
  if (wantRaw) acc.raw50[k] = raw;

  // Interpolation: precision at recall r is the best precision at any recall ≥ r.
  for (let j = N - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
  // np.searchsorted(rc, recThrs, 'left'): the first point reaching each threshold; none left → 0.
  let j = 0;
  for (let r = 0; r < RECALL_THRESHOLDS.length; r++) {
    while (j < N && rc[j]! < RECALL_THRESHOLDS[r]!) j++;
    acc.precision[precisionIndex(acc, t, r, k, a, m)] = j < N ? pr[j]! : 0;
  }
}
