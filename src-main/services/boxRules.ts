import type { BoxXYWH } from '../shared/api/project';
import { quantize } from '../store/precision';

/**
 * A box drawn in the editor, made to fit its image: clipped to the image bounds (dragging past the edge
 * is normal), null when nothing of it is left inside or it is thinner than the stored precision.
 */
export function clipToImage(b: BoxXYWH, width: number, height: number): BoxXYWH | null {
  const x1 = Math.max(0, b.x);
  const y1 = Math.max(0, b.y);
  const x2 = Math.min(width, b.x + b.w);
  const y2 = Math.min(height, b.y + b.h);
  const w = x2 - x1;
  const h = y2 - y1;
  if (!(quantize(w) > 0 && quantize(h) > 0)) return null;
  return { x: x1, y: y1, w, h };
}
