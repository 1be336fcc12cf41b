import { boxIou } from './boxIou';
import { greedyMatch } from './greedyMatch';
import { IOU_THRESHOLDS, outsideArea, type AreaRange } from './params';
import type { CocoBoxXYWH } from './types';

export interface GtBox {
  box: CocoBoxXYWH;
  area: number;
  crowd: boolean;
}

export interface DetBox {
  box: CocoBoxXYWH;
  score: number;
}

/** One image and class, sorted and overlapped once, then evaluated for each area range. */
export interface PreparedImageClass {
  gts: readonly GtBox[];
  /** Best score first (stable: equal scores keep input order), cut to the largest `maxDets`. */
  dets: readonly DetBox[];
  /** dets × gts, row-major, gts in input order. */
  iou: Float64Array;
}

/** pycocotools' `evaluateImg` result, reduced to what accumulation reads. */
export interface ImageClassEval {
  /** Scores of the kept detections, best first. */
  scores: Float64Array;
  /** thresholds × dets: 1 where the detection matched a box (ignored or not). */
  matched: Uint8Array;
  /** thresholds × dets: 1 where the detection counts for nothing (matched an ignored box, or unmatched
   * and outside the area range). */
  ignored: Uint8Array;
  /** Boxes that count in this area range: neither crowd nor outside it. */
  numGt: number;
}

/** Sorts by score descending; Array.prototype.sort is stable, as numpy's mergesort on -score is. */
export function sortByScore<T extends { score: number }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.score - a.item.score || a.i - b.i)
    .map((x) => x.item);
}

export function prepareImageClass(
  gts: readonly GtBox[],
  dets: readonly DetBox[],
  maxDet: number,
): PreparedImageClass {
  const kept = sortByScore(dets).slice(0, maxDet);
  const G = gts.length;
  const iou = new Float64Array(kept.length * G);
  for (let d = 0; d < kept.length; d++) {
    for (let g = 0; g < G; g++) iou[d * G + g] = boxIou(kept[d]!.box, gts[g]!.box, gts[g]!.crowd);
  }
  return { gts, dets: kept, iou };
}

/** Null where the image has neither boxes nor detections of the class: it takes no part in the means. */
export function evaluateImageClass(prep: PreparedImageClass, range: AreaRange): ImageClassEval | null {
  const { gts, dets } = prep;
  const G = gts.length;
  const D = dets.length;
  if (G === 0 && D === 0) return null;

  // Columns in preference order: boxes that count first, ignored ones last, input order otherwise.
  const ignoredGt = gts.map((g) => g.crowd || outsideArea(g.area, range));
  const order = [...gts.keys()].sort((a, b) => Number(ignoredGt[a]) - Number(ignoredGt[b]) || a - b);
  const gtIgnore = Uint8Array.from(order, (g) => (ignoredGt[g] ? 1 : 0));
  const gtCrowd = Uint8Array.from(order, (g) => (gts[g]!.crowd ? 1 : 0));
  const iou = new Float64Array(D * G);
  for (let d = 0; d < D; d++) {
    for (let j = 0; j < G; j++) iou[d * G + j] = prep.iou[d * G + order[j]!]!;
  }

  const T = IOU_THRESHOLDS.length;
  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);
  const detToGt = new Int32Array(D);
  const detOutside = dets.map((d) => outsideArea(d.box[2] * d.box[3], range));
  for (let t = 0; t < T; t++) {
    // With no boxes or no detections pycocotools skips matching: every detection stays unmatched.
    if (G > 0) greedyMatch({ numDets: D, numGts: G, iou, gtIgnore, gtCrowd }, IOU_THRESHOLDS[t]!, detToGt);
    else detToGt.fill(-1);
    for (let d = 0; d < D; d++) {
      const m = detToGt[d]!;
      matched[t * D + d] = m > -1 ? 1 : 0;
      ignored[t * D + d] = (m > -1 ? gtIgnore[m] === 1 : detOutside[d]) ? 1 : 0;
    }
  }
  return {
    scores: Float64Array.from(dets, (d) => d.score),
    matched,
    ignored,
    numGt: gtIgnore.reduce((n, ig) => n + (ig ? 0 : 1), 0),
  };
}
