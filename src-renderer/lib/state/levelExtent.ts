import type { InspectResult } from '../../../src-main/shared/api/training';

/**
 * Where an image lies on one FPN level of the network input. The image is letterboxed into the
 * top-left of the square input at `scale` network pixels per image pixel (the rest is padding, right
 * or below), so on a level of stride s it covers `width · scale / s` point columns and
 * `height · scale / s` rows from the origin: usually a fraction of the last one.
 */
export interface LevelExtent {
  /** Point columns and rows the image spans (fractional: the last one may be cut). */
  cols: number;
  rows: number;
  /** Whole points whose centre, at (j + 0.5)·s, lies on the image: those that look at it. */
  pointCols: number;
  pointRows: number;
}

export function levelExtent(
  result: Pick<InspectResult, 'scale' | 'levels'>,
  level: number,
  image: { width: number; height: number },
): LevelExtent {
  const l = result.levels[level]!;
  const cols = Math.min(l.width, (image.width * result.scale) / l.stride);
  const rows = Math.min(l.height, (image.height * result.scale) / l.stride);
  return {
    cols,
    rows,
    pointCols: Math.max(1, Math.min(l.width, Math.ceil(cols - 0.5))),
    pointRows: Math.max(1, Math.min(l.height, Math.ceil(rows - 0.5))),
  };
}

/** The largest value over the points of one level that look at the image (none of the padding). */
export function levelMax(
  result: Pick<InspectResult, 'scale' | 'levels'>,
  values: ArrayLike<number>,
  level: number,
  image: { width: number; height: number },
): number {
  const l = result.levels[level]!;
  const e = levelExtent(result, level, image);
  let m = -Infinity;
  for (let r = 0; r < e.pointRows; r++) {
    const start = l.offset + r * l.width;
    for (let c = 0; c < e.pointCols; c++) {
      const v = values[start + c]!;
      if (v > m) m = v;
    }
  }
  return m;
}
