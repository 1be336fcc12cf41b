// Detection over image files with a trained detector: letterbox (as in training, no flip), forward,
// post-process (SPEC §7 / §8), boxes back in original image pixels.
import { forward, pointsFor, type Detector } from '../detector/model';
import { detectBatch, type ImageFrame } from '../detector/postprocess';
import { tidy } from '../detector/tensorOps';
import { tf } from '../detector/tf';
import type { Tensor4D } from '../detector/tf';
import { letterbox } from '../imaging/letterbox';
import type { Detection } from './protocol';

export interface ImageRef {
  id: number;
  path: string;
}

/** Detections for `images`, batch by batch; `onBatch` sees each batch's results as they come. */
export async function detectImages(
  det: Detector,
  images: readonly ImageRef[],
  options: {
    batchSize?: number;
    onBatch?: (done: number, dets: Detection[]) => void;
    cancelled?: () => boolean;
  } = {},
): Promise<Detection[]> {
  const size = det.cfg.inputSize;
  const batchSize = options.batchSize ?? 2;
  const points = pointsFor(det.cfg, size, size);
  const all: Detection[] = [];
  // Decoding the next batch overlaps with the current forward pass.
  const load = (start: number) =>
    Promise.all(images.slice(start, start + batchSize).map((im) => letterbox(im.path, size, false)));
  let next = images.length ? load(0) : null;
  for (let start = 0; start < images.length; start += batchSize) {
    if (options.cancelled?.()) break;
    const loaded = await next!;
    next = start + batchSize < images.length ? load(start + batchSize) : null;
    const data = new Float32Array(loaded.length * size * size * 3);
    loaded.forEach((lb, i) => data.set(lb.data, i * size * size * 3));
    const input = tf.tensor4d(data, [loaded.length, size, size, 3]) as Tensor4D;
    const outputs = tidy(() => forward(det, input));
    const frames: ImageFrame[] = loaded.map((lb) => ({
      height: lb.height,
      width: lb.width,
      scaleX: lb.scaleX,
      scaleY: lb.scaleY,
    }));
    const results = await detectBatch(outputs, points, frames, det.cfg.assigner);
    tf.dispose([input, outputs.clsLogits, outputs.ctrLogits, outputs.ltrb]);
    const batch: Detection[] = [];
    results.forEach((r, i) => {
      const imageId = images[start + i]!.id;
      for (let k = 0; k < r.scores.length; k++) {
        const [x1, y1, x2, y2] = r.boxesXYXY.subarray(k * 4, k * 4 + 4);
        batch.push({
          imageId,
          classIndex: r.labels[k]!,
          box: [x1!, y1!, x2! - x1!, y2! - y1!],
          score: r.scores[k]!,
        });
      }
    });
    all.push(...batch);
    options.onBatch?.(Math.min(start + batchSize, images.length), batch);
  }
  return all;
}
