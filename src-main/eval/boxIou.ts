import type { CocoBoxXYWH } from './types';

/**
 * IoU of a detection with a ground truth box, as pycocotools' `bbIou` (maskApi.c) computes it, operation
 * for operation so that values sitting on a threshold compare the same way. For a crowd region the
 * union is the detection's own area: a detection inside the crowd scores 1 however small it is.
 */
export function boxIou(det: CocoBoxXYWH, gt: CocoBoxXYWH, crowd: boolean): number {
  const w = Math.min(det[2] + det[0], gt[2] + gt[0]) - Math.max(det[0], gt[0]);
  if (w <= 0) return 0;
  const h = Math.min(det[3] + det[1], gt[3] + gt[1]) - Math.max(det[1], gt[1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const detArea = det[2] * det[3];
  const union = crowd ? detArea : detArea + gt[2] * gt[3] - inter;
  return inter / union;
}
