// A batch split over two compute workers trains the same network as the whole batch on one: the
// losses divide by the whole batch's normalisers (summed across the workers inside the loss), the
// gradients are summed, and both replicas apply the same update. Parameters after three steps must
// match a one-worker run to rtol 1e-5, for DW with box refinement and for FCOS; a batch smaller
// than the worker count (one worker idle) too.
//
// The absolute floor of 1e-6 is float32's: a batch's sums taken in another order move parameters by
// up to ~2e-7 even on one worker (the same batch with its images reversed does, measured here). The
// parameters that show it are the zero-initialised GroupNorm scales (≈1e-4 after three steps),
// whose gradients are sums that nearly cancel.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageTargets } from '../../../src-main/detector/boxes';
import { detectorConfig, type Assigner } from '../../../src-main/detector/config';
import type { ComputeReport } from '../../../src-main/shared/api/system';
import { saveModel } from '../../../src-main/trainer/checkpoint';
import type { PixelBatch } from '../../../src-main/trainer/replica';
import { WorkerReplicas } from '../../../src-main/trainer/replicas';
import { splitSamples } from '../../../src-main/trainer/trainLoop';
import { builtBundle } from '../../integration/support/bundle';

const WASM: ComputeReport = {
  backend: 'wasm',
  device: 'CPU, 2 threads (WebAssembly SIMD)',
  usesGpu: false,
  threads: 2,
  skipped: [],
  probeMs: 0,
};
const SIZE = 128;
const CLASSES = 3;

/** A seeded batch: noise images and 1–3 boxes per image, two of one class overlapping. */
function batch(step: number, images: number): Array<{ pixels: Float32Array; target: ImageTargets }> {
  let s = 1000 + step;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Array.from({ length: images }, (_, b) => {
    const boxes: number[] = [];
    const labels: number[] = [];
    for (let g = 0; g < 1 + ((step + b) % 3); g++) {
      const w = 24 + r() * 60;
      const h = 24 + r() * 60;
      const x = r() * (SIZE - w);
      const y = r() * (SIZE - h);
      boxes.push(x, y, x + w, y + h);
      labels.push(g === 2 ? labels[0]! : Math.floor(r() * CLASSES));
    }
    return {
      pixels: Float32Array.from({ length: SIZE * SIZE * 3 }, () => r() * 4 - 2),
      target: { boxesXYXY: Float32Array.from(boxes), labels: Int32Array.from(labels) },
    };
  });
}

function pack(samples: Array<{ pixels: Float32Array }>): PixelBatch | null {
  if (samples.length === 0) return null;
  const data = new Float32Array(samples.length * SIZE * SIZE * 3);
  samples.forEach((x, i) => data.set(x.pixels, i * SIZE * SIZE * 3));
  return { data, shape: [samples.length, SIZE, SIZE] };
}

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-parallel-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Trains `batchSizes.length` steps on `workers` workers; returns the losses and the saved weights. */
async function run(assigner: Assigner, workers: number, batchSizes: number[], name: string) {
  const cfg = detectorConfig({
    preset: 'small',
    numClasses: CLASSES,
    assigner,
    refine: assigner === 'dw',
    inputSize: SIZE,
    seed: 3,
  });
  const replicas = await WorkerReplicas.start(await builtBundle('trainerWorker'), workers, WASM);
  try {
    expect(replicas.compute.device).toMatch(new RegExp(`^CPU, ${workers} threads? \\(WebAssembly`));
    await replicas.load(cfg, { kind: 'fresh' }, { momentum: 0.9, weightDecay: 1e-4 });
    const losses: number[][] = [];
    for (const [step, n] of batchSizes.entries()) {
      const slices = splitSamples(batch(step, n), workers);
      const replies = await Promise.all(
        slices.map((slice, rank) =>
          replicas.call(rank, {
            op: 'step',
            pixels: pack(slice),
            targets: slice.map((x) => x.target),
            lr: 0.01,
            clipNorm: null,
            apply: true,
          }),
        ),
      );
      losses.push(replies[0]!.losses.map((_, i) => replies.reduce((a, r) => a + r.losses[i]!, 0)));
    }
    const dirs = await Promise.all(
      Array.from({ length: workers }, async (_, rank) => {
        const dir = path.join(tmp, `${name}-${rank}`);
        saveModel(dir, await replicas.call(rank, { op: 'exportState', withMomentum: false }), {
          detector: cfg,
          classes: [],
          trainedSteps: batchSizes.length,
          createdAt: '',
        });
        return dir;
      }),
    );
    const weights = dirs.map((d) => {
      const buf = readFileSync(path.join(d, 'weights.bin'));
      return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    });
    return { losses, weights };
  } finally {
    await replicas.dispose();
  }
}

const RTOL = 1e-5;
const ATOL = 1e-6;

/** How many parameters break numpy's allclose(a, b, rtol, atol): |a − b| ≤ atol + rtol·|b|. */
function notClose(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > ATOL + RTOL * Math.abs(b[i]!)) n++;
  return n;
}

describe('data-parallel training over compute workers', () => {
  for (const assigner of ['dw', 'fcos'] as const) {
    it(`${assigner === 'dw' ? 'DW with refinement' : 'FCOS'}: two workers equal one after three steps (rtol 1e-5)`, async () => {
      const one = await run(assigner, 1, [4, 4, 4], `${assigner}-1`);
      const two = await run(assigner, 2, [4, 4, 4], `${assigner}-2`);
      // The replicas of a run are the same network, bit for bit.
      expect(Buffer.from(two.weights[1]!.buffer).equals(Buffer.from(two.weights[0]!.buffer))).toBe(true);
      // Training moved the parameters (a test that would pass with nothing trained is no test).
      const fresh = await run(assigner, 1, [], `${assigner}-0`);
      expect(notClose(one.weights[0]!, fresh.weights[0]!)).toBeGreaterThan(100_000);
      expect(notClose(two.weights[0]!, one.weights[0]!)).toBe(0);
      // The reported losses are float32 sums over every point and class, taken per worker and then
      // added: they agree to about 1e-5 of their size (the criterion is the parameters, above).
      two.losses.forEach((l, step) =>
        l.forEach((v, k) => {
          const want = one.losses[step]![k]!;
          expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(want));
        }),
      );
    }, 120_000);
  }

  it('a batch smaller than the worker count (one worker idle) still equals one worker', async () => {
    const one = await run('dw', 1, [1, 3], 'small-1');
    const two = await run('dw', 2, [1, 3], 'small-2');
    expect(notClose(two.weights[0]!, one.weights[0]!)).toBe(0);
    expect(notClose(two.weights[1]!, one.weights[0]!)).toBe(0);
  }, 120_000);
});
