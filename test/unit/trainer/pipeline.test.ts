import { mulberry32 } from '../../../src-main/shared/prng';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXEL_MEAN, PIXEL_STD, resizeLongSide } from '../../../src-main/imaging/letterbox';
import {
  batchCanvas,
  BatchStream,
  epochOrder,
  flipAt,
  ImageCache,
  packPixels,
  sampleTarget,
} from '../../../src-main/trainer/pipeline';
import type { SnapshotImage } from '../../../src-main/training/protocol';

/** One image as a training step sees it: resized, packed into the network input, boxes mapped. */
async function loadSample(image: SnapshotImage, size: number, flip: boolean) {
  const lb = await resizeLongSide(image.path, size);
  const { data } = packPixels([{ resized: lb, flip }], size);
  return { lb, data, ...sampleTarget(image, lb, flip) };
}

describe('training data order', () => {
  it('is a seeded permutation, the same on every call (resumable)', () => {
    const a = epochOrder(50, 7, 3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 7, 3)).toEqual(a);
    expect(epochOrder(50, 7, 4)).not.toEqual(a);
    expect(epochOrder(50, 8, 3)).not.toEqual(a);
  });

  it('flips about half the samples, deterministically', () => {
    const flips = Array.from({ length: 2000 }, (_, k) => flipAt(1, k));
    const share = flips.filter(Boolean).length / flips.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect(Array.from({ length: 2000 }, (_, k) => flipAt(1, k))).toEqual(flips);
  });

  it('mulberry32 gives values in [0, 1)', () => {
    const r = mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const v = r();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

// A 40 × 20 image, red on the left half and blue on the right: where every pixel lands is known.
async function halves(dir: string, name: string, orientation?: number): Promise<string> {
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  }
  const file = path.join(dir, name);
  let img = sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).png();
  if (orientation) img = img.withMetadata({ orientation });
  await img.toFile(file);
  return file;
}

const normalised = (rgb: [number, number, number]) => rgb.map((v, c) => (v - PIXEL_MEAN[c]!) / PIXEL_STD[c]!);
const pixel = (data: Float32Array, size: number, x: number, y: number) =>
  Array.from(data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe('training samples', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dws-pipeline-'));
    file = await halves(dir, 'halves.png');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const image = (p: string, id = 1): SnapshotImage => ({
    id,
    path: p,
    width: 40,
    height: 20,
    boxes: [[2, 4, 10, 6]],
    labels: [0],
  });

  it('letterboxes into the top-left keeping the aspect ratio, normalised, with zero padding', async () => {
    const s = await loadSample(image(file), 32, false);
    expect(s.lb).toMatchObject({ width: 32, height: 16, scaleX: 0.8, scaleY: 0.8 });
    expect(s.data).toHaveLength(32 * 32 * 3);
    pixel(s.data, 32, 2, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([255, 0, 0])[c]!, 4));
    pixel(s.data, 32, 29, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([0, 0, 255])[c]!, 4));
    expect(s.data.subarray(16 * 32 * 3).every((v) => v === 0)).toBe(true); // rows below the image
    expect(Array.from(s.boxesXYXY)).toEqual([1.6, 3.2, 9.6, 8].map(Math.fround));
    expect(Array.from(s.labels)).toEqual([0]);
  });

  it('mirrors pixels and boxes together', async () => {
    const s = await loadSample(image(file), 32, true);
    pixel(s.data, 32, 2, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([0, 0, 255])[c]!, 4));
    pixel(s.data, 32, 29, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([255, 0, 0])[c]!, 4));
    expect(Array.from(s.boxesXYXY)).toEqual([32 - 9.6, 3.2, 32 - 1.6, 8].map(Math.fround));
  });

  it('turns an image upright by its EXIF orientation before resizing, as its labels are', async () => {
    const rotated = await halves(dir, 'rotated.png', 6); // stored 40 × 20, shown 20 × 40
    const s = await loadSample({ ...image(rotated), width: 20, height: 40 }, 32, false);
    expect(s.lb).toMatchObject({ width: 16, height: 32 });
    // Orientation 6 turns the stored image 90° clockwise: its red left half ends on top.
    pixel(s.data, 32, 8, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([255, 0, 0])[c]!, 4));
    pixel(s.data, 32, 8, 29).forEach((v, c) => expect(v).toBeCloseTo(normalised([0, 0, 255])[c]!, 4));
    expect(
      s.data
        .subarray(0, 3 * 32)
        .subarray(16 * 3)
        .every((v) => v === 0),
    ).toBe(true); // right padding
  });

  it('batches whole steps in the seeded order, and a stream started at step k gives step k', async () => {
    const images = [1, 2, 3].map((id) => image(file, id));
    const opts = { batchSize: 2, seed: 5, flip: true };
    const stream = new BatchStream(images, opts, new ImageCache(32));
    expect(stream.stepsPerEpoch).toBe(1); // the last partial batch of an epoch is dropped
    const batches = [await stream.next(), await stream.next(), await stream.next()];
    batches.forEach((b, step) => {
      const order = epochOrder(3, 5, step);
      expect(b.samples.map((x) => x.imageId)).toEqual([order[0]! + 1, order[1]! + 1]);
      expect(packPixels(b.samples, 32).data).toHaveLength(2 * 32 * 32 * 3);
      b.samples.forEach((x, k) => {
        const flipped = flipAt(5, step * 2 + k);
        expect(x.flip).toBe(flipped);
        expect(x.target.boxesXYXY[0]).toBeCloseTo(flipped ? 22.4 : 1.6, 5);
      });
    });
    const resumed = await new BatchStream(images, opts, new ImageCache(32), 2).next();
    expect(resumed.samples.map((x) => x.imageId)).toEqual(batches[2]!.samples.map((x) => x.imageId));
    expect(packPixels(resumed.samples, 32).data).toEqual(packPixels(batches[2]!.samples, 32).data);
  });

  it('decodes each image once per run: later epochs use the kept pixels', async () => {
    const copy = path.join(dir, 'kept.png');
    copyFileSync(file, copy);
    const cache = new ImageCache(32);
    const stream = new BatchStream([image(copy, 7)], { batchSize: 1, seed: 0, flip: false }, cache);
    const first = packPixels((await stream.next()).samples, 32).data;
    // The file changes on disk (here: becomes unreadable); the run keeps what it decoded.
    writeFileSync(copy, 'not an image any more');
    for (let i = 0; i < 3; i++) expect(packPixels((await stream.next()).samples, 32).data).toEqual(first);
  });

  it('skips an image that cannot be decoded, reports it once, and fills its place with the next one', async () => {
    const broken = path.join(dir, 'broken.png');
    writeFileSync(broken, Buffer.from('\x89PNG\r\n\x1a\n truncated'));
    const images = [image(file, 1), image(broken, 2), image(file, 3), image(file, 4)];
    const stream = new BatchStream(images, { batchSize: 2, seed: 3, flip: false }, new ImageCache(32));
    const reported: number[] = [];
    for (let step = 0; step < 6; step++) {
      const b = await stream.next();
      expect(b.samples).toHaveLength(2);
      expect(b.samples.map((x) => x.imageId)).not.toContain(2);
      reported.push(...b.unreadable.map((u) => u.image.id));
      b.unreadable.forEach((u) => expect(u.reason).not.toBe(''));
    }
    expect(reported).toEqual([2]);
  });

  it('pads a batch only to its largest image, rounded up to a multiple of 32', async () => {
    const wide = await resizeLongSide(file, 64); // 40 × 20 → 64 × 32
    const tall = await resizeLongSide(await halves(dir, 'tall.png', 6), 64); // shown 20 × 40 → 32 × 64
    expect(packPixels([{ resized: wide, flip: false }], 64).shape).toEqual([1, 32, 64]);
    expect(packPixels([{ resized: tall, flip: false }], 64).shape).toEqual([1, 64, 32]);
    expect(
      packPixels(
        [
          { resized: wide, flip: false },
          { resized: tall, flip: true },
        ],
        64,
      ).shape,
    ).toEqual([2, 64, 64]);
    expect(packPixels([{ resized: wide, flip: false }], 64, [64, 64]).shape).toEqual([1, 64, 64]);
    expect(batchCanvas([{ resized: wide }, { resized: wide }], 64)).toEqual([32, 64]);
    // The image sits top-left in its row of the narrower batch too.
    const { data } = packPixels([{ resized: wide, flip: false }], 64);
    pixel(data, 64, 2, 2).forEach((v, c) => expect(v).toBeCloseTo(normalised([255, 0, 0])[c]!, 4));
    pixel(data, 64, 61, 30).forEach((v, c) => expect(v).toBeCloseTo(normalised([0, 0, 255])[c]!, 4));
  });

  it('refuses an empty training split', () => {
    expect(() => new BatchStream([], { batchSize: 2, seed: 0, flip: false }, new ImageCache(32))).toThrow(
      'The training split has no images',
    );
  });
});
