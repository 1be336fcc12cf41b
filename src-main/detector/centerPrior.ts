// DW's candidate bag and centre prior (SPEC §2): pure geometry on the point grid and the GT boxes, so
// plain typed arrays. Every [P×G] result is row-major: entry (i, n) is at i·G + n.
import type { PointGrid } from './points';

/**
 * inside(i, n) = min(x − x1, y − y1, x2 − x, y2 − y) > 0 over every point of every level, no regress
 * ranges (SPEC §2.1). Strict: a point on the border is outside. `boxesXYXY` is [G·4].
 */
export function insideBoxMask(points: PointGrid, boxesXYXY: ArrayLike<number>): Uint8Array {
  const G = boxesXYXY.length / 4;
  const out = new Uint8Array(points.count * G);
  for (let i = 0; i < points.count; i++) {
    const x = points.xy[2 * i] as number;
    const y = points.xy[2 * i + 1] as number;
    for (let n = 0; n < G; n++) {
      const d = Math.min(
        x - (boxesXYXY[4 * n] as number),
        y - (boxesXYXY[4 * n + 1] as number),
        (boxesXYXY[4 * n + 2] as number) - x,
        (boxesXYXY[4 * n + 3] as number) - y,
      );
      out[i * G + n] = d > 0 ? 1 : 0;
    }
  }
  return out;
}

/** exp(−d²/(2σ²)) for a distance d in strides: the prior's profile (SPEC §2.2). */
export function gaussianPrior(distanceInStrides: number, sigma: number): number {
  return Math.exp(-(distanceInStrides * distanceInStrides) / (2 * sigma * sigma));
}

/**
 * cp_raw(i, n) = exp(−[((x − cx)/s)² + ((y − cy)/s)²] / (2σ²)), s the stride of point i's level, before
 * the in-box mask (SPEC §2.2). Mean 0 and σ are the same for every class (fixed buffers in the
 * reference), hence one σ.
 */
export function centerPriorRaw(points: PointGrid, boxesXYXY: ArrayLike<number>, sigma: number): Float32Array {
  const G = boxesXYXY.length / 4;
  const out = new Float32Array(points.count * G);
  const k = 1 / (2 * sigma * sigma);
  for (let i = 0; i < points.count; i++) {
    const x = points.xy[2 * i] as number;
    const y = points.xy[2 * i + 1] as number;
    const s = points.stride[i] as number;
    for (let n = 0; n < G; n++) {
      const dx = (x - ((boxesXYXY[4 * n] as number) + (boxesXYXY[4 * n + 2] as number)) / 2) / s;
      const dy = (y - ((boxesXYXY[4 * n + 1] as number) + (boxesXYXY[4 * n + 3] as number)) / 2) / s;
      out[i * G + n] = Math.exp(-(dx * dx) * k) * Math.exp(-(dy * dy) * k);
    }
  }
  return out;
}

export interface CenterPriorOptions {
  sigma: number;
  /** `true`: the Gaussian itself (reference); `false`: 1 where it exceeds `hardThreshold`, else 0. */
  soft: boolean;
  hardThreshold: number;
}

export interface CandidateBags {
  /** [P×G] the in-box mask: the negative-weight bag of each GT (SPEC §2.3). */
  inside: Uint8Array;
  /** [P×G] the centre prior masked to the box: the positive bag's weight, cp > 0 ⇔ in the bag. */
  prior: Float32Array;
}

/** The in-box mask and the masked centre prior, soft or hard (SPEC §2.3–§2.4). */
export function candidateBags(
  points: PointGrid,
  boxesXYXY: ArrayLike<number>,
  opts: CenterPriorOptions,
): CandidateBags {
  const inside = insideBoxMask(points, boxesXYXY);
  const prior = centerPriorRaw(points, boxesXYXY, opts.sigma);
  for (let k = 0; k < prior.length; k++) {
    const raw = prior[k] as number;
    const cp = opts.soft ? raw : raw > opts.hardThreshold ? 1 : 0;
    prior[k] = inside[k] ? cp : 0;
  }
  return { inside, prior };
}
