// The data pipeline, on the trainer's own thread (the compute workers only compute): a seeded,
// resumable order over the frozen snapshot; decode + resize with sharp (libuv's thread pool) once per
// image, kept in memory for the next epochs; mirroring and normalisation in JS when a batch is packed.
// An image that cannot be decoded is skipped (reported once) and its place taken by the next one.
import type { ImageTargets } from '../detector/boxes';
import { resizeLongSide, type Resized } from '../imaging/letterbox';
import { inputCanvas, placeNormalised } from '../shared/networkInput';
import { mulberry32 } from '../shared/prng';
import type { SnapshotImage } from '../training/protocol';
import type { PixelBatch } from './replica';

/** The image order of one epoch: a seeded shuffle (Fisher–Yates). */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed * 100_003 + epoch * 7919 + 17);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Whether sample `k` of the run is mirrored: a function of the seed and position, not of history. */
export function flipAt(seed: number, k: number): boolean {
  return mulberry32(seed * 31 + k * 2654435761)() < 0.5;
}

/** One image of a batch: its resized pixels, whether it is mirrored, and its boxes in network pixels. */
export interface Sample {
  imageId: number;
  resized: Resized;
  flip: boolean;
  target: ImageTargets;
}

/** Boxes [x, y, w, h] of the image mapped onto the network input, mirrored with the pixels. */
export function sampleTarget(image: SnapshotImage, r: Resized, flip: boolean): ImageTargets {
  const boxes = new Float32Array(image.boxes.length * 4);
  image.boxes.forEach(([x, y, w, h], i) => {
    let x1 = x * r.scaleX;
    let x2 = (x + w) * r.scaleX;
    if (flip) [x1, x2] = [r.width - x2, r.width - x1];
    boxes.set([x1, y * r.scaleY, x2, (y + h) * r.scaleY], i * 4);
  });
  return { boxesXYXY: boxes, labels: Int32Array.from(image.labels) };
}

/**
 * The input size of a batch: its largest image rounded up to a multiple of 32, zero padding bottom
 * and right (as mmdet pads a batch): portrait images are fed as 320 × 256 rather than 320 × 320.
 * A step split over workers uses the whole batch's size in every share, so the split changes nothing.
 */
export function batchCanvas(samples: readonly Pick<Sample, 'resized'>[], size: number): [number, number] {
  return inputCanvas(
    Math.max(1, ...samples.map((s) => s.resized.height)),
    Math.max(1, ...samples.map((s) => s.resized.width)),
    size,
  );
}

/** Samples as one normalised [B, H, W, 3] batch on a canvas of `canvas` (default: the batch's own). */
export function packPixels(
  samples: readonly Pick<Sample, 'resized' | 'flip'>[],
  size: number,
  canvas: [number, number] = batchCanvas(samples, size),
): PixelBatch {
  const [H, W] = canvas;
  const per = H * W * 3;
  const data = new Float32Array(samples.length * per);
  samples.forEach((s, b) => placeNormalised(s.resized, W, s.flip, data, b * per));
  return { data, shape: [samples.length, H, W] };
}

export interface UnreadableImage {
  image: SnapshotImage;
  reason: string;
}

/**
 * Decoded, resized images by id, kept up to `maxBytes` (the oldest go first past that): a dataset
 * that fits decodes once per run. An image that fails to decode is remembered as unreadable.
 */
export class ImageCache {
  readonly #entries = new Map<number, Promise<Resized>>();
  readonly #bytes = new Map<number, number>();
  readonly #unreadable = new Map<number, string>();
  #total = 0;

  constructor(
    readonly size: number,
    private readonly maxBytes = 1.5 * 2 ** 30,
  ) {}

  /** Why `id` could not be decoded, or undefined. */
  unreadable(id: number): string | undefined {
    return this.#unreadable.get(id);
  }

  get(image: SnapshotImage): Promise<Resized> {
    const hit = this.#entries.get(image.id);
    if (hit) return hit;
    const p = resizeLongSide(image.path, this.size).then(
      (r) => {
        this.#bytes.set(image.id, r.rgb.byteLength);
        this.#total += r.rgb.byteLength;
        this.#evict();
        return r;
      },
      (e: unknown) => {
        this.#entries.delete(image.id);
        this.#unreadable.set(image.id, e instanceof Error ? e.message.split('\n')[0]! : String(e));
        throw e;
      },
    );
    this.#entries.set(image.id, p);
    return p;
  }

  #evict(): void {
    for (const [id, bytes] of this.#bytes) {
      if (this.#total <= this.maxBytes) break;
      this.#bytes.delete(id);
      this.#entries.delete(id);
      this.#total -= bytes;
    }
  }
}

export interface Batch {
  samples: Sample[];
  /** Images found unreadable while this batch was made (each is reported once, then skipped). */
  unreadable: UnreadableImage[];
}

/**
 * Batches for steps `fromStep` onwards (every epoch a new seeded order; the last partial batch of an
 * epoch is dropped so every step sees `batchSize` images). Up to `prefetch` batches are made ahead.
 */
export class BatchStream {
  readonly #queue: Array<Promise<Batch>> = [];
  readonly #reported = new Set<number>();
  #nextStep: number;

  constructor(
    private readonly images: SnapshotImage[],
    private readonly opts: { batchSize: number; seed: number; flip: boolean; prefetch?: number },
    private readonly cache: ImageCache,
    fromStep = 0,
  ) {
    if (images.length === 0) throw new Error('The training split has no images');
    this.#nextStep = fromStep;
  }

  get batchSize(): number {
    return Math.min(this.opts.batchSize, this.images.length);
  }

  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.images.length / this.batchSize));
  }

  /** The batch for the next step. */
  next(): Promise<Batch> {
    const depth = this.opts.prefetch ?? 2;
    while (this.#queue.length < depth + 1) this.#queue.push(this.#load(this.#nextStep++));
    return this.#queue.shift()!;
  }

  async #load(step: number): Promise<Batch> {
    const { seed } = this.opts;
    const n = this.images.length;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const within = step % this.stepsPerEpoch;
    const order = epochOrder(n, seed, epoch);
    const unreadable: UnreadableImage[] = [];
    const samples = await Promise.all(
      Array.from({ length: this.batchSize }, async (_, b) => {
        const flip = this.opts.flip && flipAt(seed, step * this.batchSize + b);
        // An unreadable image's place goes to the next readable one of the epoch's order.
        for (let k = 0; k < n; k++) {
          const image = this.images[order[(within * this.batchSize + b + k * this.batchSize) % n]!]!;
          if (this.cache.unreadable(image.id) !== undefined) continue;
          try {
            const resized = await this.cache.get(image);
            return { imageId: image.id, resized, flip, target: sampleTarget(image, resized, flip) };
          } catch {
            if (!this.#reported.has(image.id)) {
              this.#reported.add(image.id);
              unreadable.push({ image, reason: this.cache.unreadable(image.id) ?? 'unreadable' });
            }
          }
        }
        throw new Error('None of the training images can be decoded.');
      }),
    );
    return { samples, unreadable };
  }
}
