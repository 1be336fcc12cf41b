import { precisionIndex, recallIndex, type Accumulated } from './accumulate';
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, type AreaRange } from './params';
import type { CocoSummary, PrCurve } from './types';

interface Setting {
  ap: boolean;
  iou?: number;
  area: AreaRange['label'];
  maxDets: number;
}

/** pycocotools' `_summarizeDets`, in order. */
const SETTINGS: Record<keyof CocoSummary, Setting> = {
  AP: { ap: true, area: 'all', maxDets: 100 },
  AP50: { ap: true, iou: 0.5, area: 'all', maxDets: 100 },
  AP75: { ap: true, iou: 0.75, area: 'all', maxDets: 100 },
  APs: { ap: true, area: 'small', maxDets: 100 },
  APm: { ap: true, area: 'medium', maxDets: 100 },
  APl: { ap: true, area: 'large', maxDets: 100 },
  AR1: { ap: false, area: 'all', maxDets: 1 },
  AR10: { ap: false, area: 'all', maxDets: 10 },
  AR100: { ap: false, area: 'all', maxDets: 100 },
  ARs: { ap: false, area: 'small', maxDets: 100 },
  ARm: { ap: false, area: 'medium', maxDets: 100 },
  ARl: { ap: false, area: 'large', maxDets: 100 },
};

/** Mean of the entries above -1 (settings without ground truth); -1 when there are none. */
function meanScored(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? -1 : sum / n;
}

/** The IoU indices a setting averages over: one exact threshold (found by ==, as numpy does), or all. */
function iouIndices(iou: number | undefined): number[] {
  return iou === undefined ? [...IOU_THRESHOLDS.keys()] : [IOU_THRESHOLDS.indexOf(iou)].filter((t) => t >= 0);
}

function* selected(acc: Accumulated, s: Setting, classes: readonly number[]): Generator<number> {
  const a = AREA_RANGES.findIndex((r) => r.label === s.area);
  const m = MAX_DETS.indexOf(s.maxDets);
  for (const t of iouIndices(s.iou)) {
    if (s.ap) {
      for (let r = 0; r < acc.dims.R; r++) {
        for (const k of classes) yield acc.precision[precisionIndex(acc, t, r, k, a, m)]!;
      }
    } else {
      for (const k of classes) yield acc.recall[recallIndex(acc, t, k, a, m)]!;
    }
  }
}

function allClasses(acc: Accumulated): number[] {
  return [...Array(acc.dims.K).keys()];
}

export function summarize(acc: Accumulated): CocoSummary {
  const out = {} as CocoSummary;
  for (const [key, s] of Object.entries(SETTINGS) as [keyof CocoSummary, Setting][]) {
    out[key] = meanScored(selected(acc, s, allClasses(acc)));
  }
  return out;
}

/** One class's AP (0.50:0.95) and AP50, area all, 100 detections; -1 without ground truth. */
export function classAp(acc: Accumulated, k: number): { AP: number; AP50: number } {
  return {
    AP: meanScored(selected(acc, SETTINGS.AP, [k])),
    AP50: meanScored(selected(acc, SETTINGS.AP50, [k])),
  };
}

/** The interpolated curves of one class (area all, 100 detections); null without ground truth. */
export function classCurve(acc: Accumulated, k: number): PrCurve | null {
  const raw50 = acc.raw50[k];
  if (!raw50) return null;
  const { T, R, M } = acc.dims;
  const precision50: number[] = [];
  const precisionMean: number[] = [];
  for (let r = 0; r < R; r++) {
    precision50.push(acc.precision[precisionIndex(acc, 0, r, k, 0, M - 1)]!);
    let sum = 0;
    for (let t = 0; t < T; t++) sum += acc.precision[precisionIndex(acc, t, r, k, 0, M - 1)]!;
    precisionMean.push(sum / T);
  }
  return { precision50, precisionMean, raw50 };
}
