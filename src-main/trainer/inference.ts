// Detection over image files, spread across the replicas: this thread decodes and letterboxes (as in
// training, no mirror), each compute worker runs the network and the post-processing (SPEC §7 / §8)
// on a few images at a time, and the boxes come back in original image pixels, in the images' order.
import type { ImageFrame } from '../detector/postprocess';
import type { Resized } from '../imaging/letterbox';
import { inputCanvas } from '../shared/networkInput';
import type { Detection, SkippedImage } from '../training/protocol';
import { packPixels } from './pipeline';
import type { Replicas } from './replicas';

export interface ImageRef {
  id: number;
  path: string;
}

export interface DetectOptions {
  /** Decoded, resized pixels of an image (the run's cache, or a plain decode). */
  load: (image: ImageRef) => Promise<Resized>;
  /** Images per request to a worker. */
  perCall?: number;
  /**
   * Each chunk in the images' order, once it and every chunk before it are done: how many of the
   * first images are done, and the chunk's detections (so `done` always counts a prefix).
   */
  onChunk?: (done: number, dets: Detection[]) => void;
  /** An image that could not be decoded: it is skipped. */
  onSkipped?: (image: SkippedImage) => void;
  cancelled?: () => boolean;
}

export interface DetectResult {
  detections: Detection[];
  /** Images that were looked at (the unreadable ones are not). */
  done: number[];
}

/**
 * Consecutive images that share an input canvas, batched together. An image is never padded beyond its
 * own canvas: GroupNorm's statistics cover the padding, so a larger batch-mate would change what the
 * network finds in it. Detection is then a function of the image alone (as mmdet tests one image at a
 * time), and an exported model's module finds the same boxes.
 */
function sameCanvasRuns<T extends { resized: Resized }>(loaded: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  let key = '';
  for (const l of loaded) {
    const k = inputCanvas(l.resized.height, l.resized.width, size).join('x');
    if (k !== key || runs.length === 0) runs.push([]);
    runs[runs.length - 1]!.push(l);
    key = k;
  }
  return runs;
}

export async function detectAcross(
  replicas: Replicas,
  images: readonly ImageRef[],
  size: number,
  options: DetectOptions,
): Promise<DetectResult> {
  const perCall = options.perCall ?? 2;
  const chunks: ImageRef[][] = [];
  for (let i = 0; i < images.length; i += perCall) chunks.push(images.slice(i, i + perCall));
  const results: Detection[][] = new Array<Detection[]>(chunks.length);
  const doneIds: number[][] = new Array<number[]>(chunks.length);
  let next = 0;
  let delivered = 0;
  let deliveredImages = 0;
  const deliver = () => {
    while (delivered < chunks.length && results[delivered] !== undefined) {
      deliveredImages += chunks[delivered]!.length;
      options.onChunk?.(deliveredImages, results[delivered]!);
      delivered++;
    }
  };
  const lane = async (rank: number) => {
    while (next < chunks.length && !options.cancelled?.()) {
      const index = next++;
      const chunk = chunks[index]!;
      const loaded: Array<{ image: ImageRef; resized: Resized }> = [];
      for (const image of chunk) {
        try {
          loaded.push({ image, resized: await options.load(image) });
        } catch (e) {
          const reason = e instanceof Error ? e.message.split('\n')[0]! : String(e);
          options.onSkipped?.({ imageId: image.id, path: image.path, reason });
        }
      }
      const dets: Detection[] = [];
      for (const group of sameCanvasRuns(loaded, size)) {
        const pixels = packPixels(
          group.map((l) => ({ resized: l.resized, flip: false })),
          size,
        );
        const frames: ImageFrame[] = group.map(({ resized: r }) => ({
          height: r.height,
          width: r.width,
          scaleX: r.scaleX,
          scaleY: r.scaleY,
        }));
        const imageIds = group.map((l) => l.image.id);
        const { detections } = await replicas.call(rank, { op: 'detect', pixels, frames, imageIds }, [
          pixels.data.buffer as ArrayBuffer,
        ]);
        dets.push(...detections);
      }
      results[index] = dets;
      doneIds[index] = loaded.map((l) => l.image.id);
      deliver();
    }
  };
  await Promise.all(Array.from({ length: Math.min(replicas.size, chunks.length) }, (_, r) => lane(r)));
  return { detections: results.flatMap((d) => d ?? []), done: doneIds.flatMap((d) => d ?? []) };
}
