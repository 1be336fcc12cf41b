// The data pipeline: a seeded, resumable order over the frozen snapshot; decode + letterbox + flip
// with sharp (off the JS thread); batches assembled ahead of the step so the step never waits on I/O.
import { letterbox } from '../imaging/letterbox';
import type { SnapshotImage } from './protocol';

export interface Batch {
  /** [B, size, size, 3] normalised RGB, NHWC, as one flat array. */
  images: Float32Array;
  /** Per image: ground truth in network-input pixels, [x1, y1, x2, y2] flat, and class indices. */
  targets: Array<{ boxesXYXY: Float32Array; labels: Int32Array }>;
  imageIds: number[];
}

/** mulberry32: a small seeded PRNG, so an epoch's order is the same after a resume. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The image order of one epoch: a seeded shuffle (Fisher–Yates). */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = prng(seed * 100_003 + epoch * 7919 + 17);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Whether sample `k` of the run is mirrored: a function of the seed and position, not of history. */
export function flipAt(seed: number, k: number): boolean {
  return prng(seed * 31 + k * 2654435761)() < 0.5;
}

/** Loads one image as a training sample: letterboxed pixels and its boxes mapped the same way. */
export async function loadSample(image: SnapshotImage, size: number, flip: boolean) {
  const lb = await letterbox(image.path, size, flip);
  const boxes = new Float32Array(image.boxes.length * 4);
  image.boxes.forEach(([x, y, w, h], i) => {
    let x1 = x * lb.scaleX;
    let x2 = (x + w) * lb.scaleX;
    if (flip) [x1, x2] = [lb.width - x2, lb.width - x1];
    boxes.set([x1, y * lb.scaleY, x2, (y + h) * lb.scaleY], i * 4);
  });
  return { data: lb.data, boxesXYXY: boxes, labels: Int32Array.from(image.labels), lb };
}

/**
 * Batches for steps `fromStep` onwards (every epoch a new seeded order; the last partial batch of an
 * epoch is dropped so every step sees `batchSize` images). Up to `prefetch` batches are decoded ahead.
 */
export class BatchStream {
  readonly #queue: Array<Promise<Batch>> = [];
  #nextStep: number;

  constructor(
    private readonly images: SnapshotImage[],
    private readonly opts: {
      size: number;
      batchSize: number;
      seed: number;
      flip: boolean;
      prefetch?: number;
    },
    fromStep = 0,
  ) {
    if (images.length === 0) throw new Error('The training split has no images');
    this.#nextStep = fromStep;
  }

  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.images.length / Math.min(this.opts.batchSize, this.images.length)));
  }

  /** The batch for the next step. */
  next(): Promise<Batch> {
    const depth = this.opts.prefetch ?? 2;
    while (this.#queue.length < depth + 1) this.#queue.push(this.#load(this.#nextStep++));
    return this.#queue.shift()!;
  }

  async #load(step: number): Promise<Batch> {
    const { size, seed } = this.opts;
    const batchSize = Math.min(this.opts.batchSize, this.images.length);
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const within = step % this.stepsPerEpoch;
    const order = epochOrder(this.images.length, seed, epoch);
    const picks = Array.from({ length: batchSize }, (_, b) => order[within * batchSize + b]!);
    const samples = await Promise.all(
      picks.map((idx, b) =>
        loadSample(this.images[idx]!, size, this.opts.flip && flipAt(seed, step * batchSize + b)),
      ),
    );
    const images = new Float32Array(batchSize * size * size * 3);
    samples.forEach((s, b) => images.set(s.data, b * size * size * 3));
    return {
      images,
      targets: samples.map((s) => ({ boxesXYXY: s.boxesXYXY, labels: s.labels })),
      imageIds: picks.map((i) => this.images[i]!.id),
    };
  }
}
