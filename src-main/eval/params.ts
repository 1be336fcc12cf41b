// pycocotools' default bbox parameters (`Params.setDetParams`), rebuilt with the same float arithmetic
// so that every threshold is bit-identical: recall and IoU comparisons then land on the same side.

/** np.linspace(start, stop, num): i*step + start, and the last value set to `stop` exactly. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 1) return num === 1 ? [start] : [];
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/** .50:.05:.95; the ninth is 0.8999999999999999, as in pycocotools. */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(
  linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
);

/** 0:.01:1, the 101 recall points of the interpolated precision. */
export const RECALL_THRESHOLDS: readonly number[] = Object.freeze(
  linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
);

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large';
  /** Inclusive at both ends, as pycocotools tests `area < min or area > max` for "outside". */
  min: number;
  max: number;
}

export const AREA_RANGES: readonly AreaRange[] = Object.freeze([
  { label: 'all', min: 0 ** 2, max: 1e5 ** 2 },
  { label: 'small', min: 0 ** 2, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
]);

/** Detections kept per image and per class, ascending; the last one bounds the matching. */
export const MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);

/** np.spacing(1): pycocotools adds it to tp+fp so that an empty prefix divides without a warning. */
export const EPS = 2 ** -52;

export function outsideArea(area: number, range: AreaRange): boolean {
  return area < range.min || area > range.max;
}
