import { evaluate } from '../eval';
import type { CocoEvalResult } from '../eval/types';
import type { Detection, SnapshotImage } from '../training/protocol';

/** COCO evaluation of detections (class indices) against a snapshot split's labels. */
export function evaluateSnapshot(
  images: readonly SnapshotImage[],
  dets: readonly Detection[],
  numClasses: number,
): CocoEvalResult {
  return evaluate({
    images: images.map((im) => ({ id: im.id })),
    gts: images.flatMap((im) =>
      im.boxes.map((box, i) => ({ imageId: im.id, classId: im.labels[i]!, box, area: box[2] * box[3] })),
    ),
    dets: dets.map((d) => ({ imageId: d.imageId, classId: d.classIndex, box: d.box, score: d.score })),
    classIds: Array.from({ length: numClasses }, (_, i) => i),
  });
}
