import type { BoxXYWH, Size } from './geometry';
import { FormatError } from './formatError';

/**
 * How far past the image edge a box may reach and still be taken (clipped to the edge): one pixel covers
 * the 1-based VOC convention and tools that round outward; anything further is an error in the file.
 */
export const EDGE_TOLERANCE_PX = 1;

export interface CheckedBox {
  box: BoxXYWH;
  /** It reached noticeably past the edge (more than float noise) and was clipped. */
  clipped: boolean;
}

/** Validates a box against the image it belongs to; returns it clipped to the image. */
export function checkBoxInImage(box: BoxXYWH, size: Size, file: string, where: string): CheckedBox {
  const { x, y, w, h } = box;
  if (![x, y, w, h].every(Number.isFinite)) {
    throw new FormatError(file, where, `box coordinates must be numbers, got [${x}, ${y}, ${w}, ${h}]`);
  }
  if (!(w > 0 && h > 0)) {
    throw new FormatError(
      file,
      where,
      `box has ${w <= 0 ? 'width' : 'height'} ${w <= 0 ? w : h}; it must be > 0`,
    );
  }
  const t = EDGE_TOLERANCE_PX;
  if (x < -t || y < -t || x + w > size.width + t || y + h > size.height + t) {
    throw new FormatError(
      file,
      where,
      `box [x=${round(x)}, y=${round(y)}, w=${round(w)}, h=${round(h)}] lies outside the ` +
        `${size.width}×${size.height} image`,
    );
  }
  const x1 = Math.max(0, x);
  const y1 = Math.max(0, y);
  const x2 = Math.min(size.width, x + w);
  const y2 = Math.min(size.height, y + h);
  // Float noise from a format's own rounding (a YOLO box at the edge comes back 1e-12 px over) is
  // clipped without a word; only a real overshoot is reported.
  const overshoot = Math.max(x1 - x, y1 - y, x + w - x2, y + h - y2);
  const clipped = overshoot > 0;
  const noticeable = overshoot > 1e-6;
  if (!(x2 > x1 && y2 > y1)) {
    throw new FormatError(file, where, 'box has no area inside the image');
  }
  return { box: clipped ? { x: x1, y: y1, w: x2 - x1, h: y2 - y1 } : box, clipped: noticeable };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
