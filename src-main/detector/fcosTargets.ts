// FCOS target assignment, mmdet 2.25.3 `FCOSHead.get_targets` with centre sampling (SPEC §8). Pure
// geometry, so plain typed arrays; [P×G] masks are row-major (entry (i, n) at i·G + n).
import { targetCount } from './boxes';
import type { ImageTargets } from './boxes';
import type { FcosHyper } from './dwConfig';
import type { PointGrid } from './points';

/**
 * The point lies strictly inside GT n's centre box [c ± radius·s], clipped to the GT box (SPEC §8.2).
 */
export function centerSamplingMask(
  points: PointGrid,
  boxesXYXY: ArrayLike<number>,
  radius: number,
): Uint8Array {
  const G = boxesXYXY.length / 4;
  const out = new Uint8Array(points.count * G);
  for (let i = 0; i < points.count; i++) {
    const x = points.xy[2 * i] as number;
    const y = points.xy[2 * i + 1] as number;
    const r = (points.stride[i] as number) * radius;
    for (let n = 0; n < G; n++) {
      const [bx1, by1, bx2, by2] = box(boxesXYXY, n);
      const cx = (bx1 + bx2) / 2;
      const cy = (by1 + by2) / 2;
      const x1 = Math.max(cx - r, bx1);
      const y1 = Math.max(cy - r, by1);
      const x2 = Math.min(cx + r, bx2);
      const y2 = Math.min(cy + r, by2);
      out[i * G + n] = Math.min(x - x1, y - y1, x2 - x, y2 - y) > 0 ? 1 : 0;
    }
  }
  return out;
}

/** lo ≤ max(l, t, r, b) ≤ hi for the range of the point's level, distances to the full box (§8.3). */
export function regressRangeMask(
  points: PointGrid,
  boxesXYXY: ArrayLike<number>,
  regressRanges: FcosHyper['regressRanges'],
): Uint8Array {
  if (regressRanges.length !== points.strides.length) {
    throw new Error(`FCOS: ${regressRanges.length} regress ranges for ${points.strides.length} levels`);
  }
  const G = boxesXYXY.length / 4;
  const out = new Uint8Array(points.count * G);
  for (let i = 0; i < points.count; i++) {
    const x = points.xy[2 * i] as number;
    const y = points.xy[2 * i + 1] as number;
    const [lo, hi] = regressRanges[points.level[i] as number] as readonly [number, number];
    for (let n = 0; n < G; n++) {
      const [bx1, by1, bx2, by2] = box(boxesXYXY, n);
      const m = Math.max(x - bx1, y - by1, bx2 - x, by2 - y);
      out[i * G + n] = m >= lo && m <= hi ? 1 : 0;
    }
  }
  return out;
}

export interface FcosTargets {
  /** [P] the class of the assigned GT, or C (= numClasses) for background. */
  labels: Int32Array;
  /** [P] the assigned GT, or −1 for background. */
  gtIndex: Int32Array;
  /**
   * [P·4] (l, t, r, b) to the assigned GT in pixels. As in mmdet, a background point holds its
   * distances to GT 0 (the arg-min of an all-"infinite" row), zeros when the image has no GT; the
   * loss never reads them.
   */
  ltrbPixels: Float32Array;
  /** [P·4] the same divided by the point's stride (norm_on_bbox). */
  ltrbStrides: Float32Array;
  /** [P] sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)) for positives, 0 for background (§8.7). */
  centerness: Float32Array;
  /** Ascending indices of the positive points. */
  positives: Int32Array;
}

/**
 * Assigns every point to the smallest-area GT that passes centre sampling and the regress range;
 * equal areas go to the lower index (SPEC §8.4).
 */
export function fcosTargets(
  points: PointGrid,
  target: ImageTargets,
  numClasses: number,
  hyper: Pick<FcosHyper, 'centerRadius' | 'regressRanges'>,
): FcosTargets {
  const G = targetCount(target);
  const P = points.count;
  const boxes = target.boxesXYXY;
  const inCenter = centerSamplingMask(points, boxes, hyper.centerRadius);
  const inRange = regressRangeMask(points, boxes, hyper.regressRanges);
  const labels = new Int32Array(P).fill(numClasses);
  const gtIndex = new Int32Array(P).fill(-1);
  const ltrbPixels = new Float32Array(P * 4);
  const ltrbStrides = new Float32Array(P * 4);
  const centerness = new Float32Array(P);
  const positives: number[] = [];
  const areas = Array.from({ length: G }, (_, n) => {
    const [x1, y1, x2, y2] = box(boxes, n);
    return (x2 - x1) * (y2 - y1);
  });
  for (let i = 0; i < P; i++) {
    let best = -1;
    for (let n = 0; n < G; n++) {
      const k = i * G + n;
      if (inCenter[k] && inRange[k] && (best < 0 || (areas[n] as number) < (areas[best] as number))) best = n;
    }
    if (G === 0) continue;
    const n = best < 0 ? 0 : best;
    const x = points.xy[2 * i] as number;
    const y = points.xy[2 * i + 1] as number;
    const s = points.stride[i] as number;
    const [x1, y1, x2, y2] = box(boxes, n);
    const d = [x - x1, y - y1, x2 - x, y2 - y] as const;
    ltrbPixels.set(d, 4 * i);
    ltrbStrides.set(
      d.map((v) => v / s),
      4 * i,
    );
    if (best < 0) continue;
    labels[i] = target.labels[best] as number;
    gtIndex[i] = best;
    positives.push(i);
    const [l, t, r, b] = d;
    centerness[i] = Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, b) / Math.max(t, b)));
  }
  return { labels, gtIndex, ltrbPixels, ltrbStrides, centerness, positives: Int32Array.from(positives) };
}

function box(boxesXYXY: ArrayLike<number>, n: number): [number, number, number, number] {
  return [
    boxesXYXY[4 * n] as number,
    boxesXYXY[4 * n + 1] as number,
    boxesXYXY[4 * n + 2] as number,
    boxesXYXY[4 * n + 3] as number,
  ];
}
