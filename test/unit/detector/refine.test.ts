// vectors.json → f_box_refinement, and the sampler's zero-padding rule (SPEC §6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  refineLtrb,
  refinementSamples,
  sampleBilinear,
  sampleRefinedSides,
} from '../../../src-main/detector/refine';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, tensorOf, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const R: Json = vectors().f_box_refinement;

/** mmcv's bilinear rule, written directly from SPEC §6.3 (float64). */
function mmcvBilinear(img: number[][], h: number, w: number): number {
  const H = img.length;
  const W = img[0]!.length;
  if (h <= -1 || h >= H || w <= -1 || w >= W) return 0;
  const hl = Math.floor(h);
  const wl = Math.floor(w);
  const lh = h - hl;
  const lw = w - wl;
  const at = (i: number, j: number) => (i >= 0 && i < H && j >= 0 && j < W ? img[i]![j]! : 0);
  return (
    (1 - lh) * (1 - lw) * at(hl, wl) +
    (1 - lh) * lw * at(hl, wl + 1) +
    lh * (1 - lw) * at(hl + 1, wl) +
    lh * lw * at(hl + 1, wl + 1)
  );
}

describe.each(BACKENDS)('box refinement on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());
  const { H, W, stride } = R;

  it('reproduces f_box_refinement: decoded map, sample positions, samples, refined ltrb', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const coarse = tensorOf(R['coarse_ltrb (H x W x 4)'], [1, H, W, 4]);
      const offsets = tensorOf(R['offsets (H x W x 8)'], [1, H, W, 8]);
      const { decoded, rows, cols } = refinementSamples(coarse, offsets, stride);
      // The vector stores the map channel-first (4 × H × W).
      expectClose(tf.transpose(decoded, [0, 3, 1, 2]), R['decoded_map_x1y1x2y2 (4 x H x W)'], 'decoded');
      expectClose(rows, R['sample_rows (H x W x 4)'], 'rows');
      expectClose(cols, R['sample_cols (H x W x 4)'], 'cols');
      expectClose(sampleRefinedSides(coarse, offsets, stride), R['sampled_x1y1x2y2 (H x W x 4)'], 'sampled');
      const refined = refineLtrb(coarse, offsets, stride);
      expectClose(refined, R['refined_ltrb (H x W x 4)'], 'refined');
      // The zero-padding pitfall the spec names: cell (0, 0) reads l′ = 8 and b′ = 0.
      const cell = refined.dataSync().slice(0, 4);
      expect(cell[0]).toBeCloseTo(8, 5);
      expect(cell[3]).toBe(0);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples with mmcv zero padding, in and around the map', () => {
    const img = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    // positions inside, on edges, partly outside, fully outside, at the exact ±1 borders
    const pos: Array<[number, number]> = [
      [0, 0],
      [0.5, 0.5],
      [1, 2],
      [1.25, 1.75],
      [-0.5, 1],
      [0.3, -0.6],
      [1.5, 2.5],
      [-1, 1],
      [2, 0],
      [0, 3],
      [-3, -7],
      [0.999, 1.001],
    ];
    const expected = pos.map(([h, w]) => mmcvBilinear(img, h, w));
    const got = tf.tidy(() => {
      // Channel 1 holds 10× the values: the same positions must read the right channel.
      const feat = tf.tensor4d(
        img.flat().flatMap((v) => [v, 10 * v]),
        [1, 2, 3, 2],
      );
      const rows = tf.tensor3d(
        pos.flatMap(([h]) => [h, h]),
        [1, pos.length, 2],
      );
      const cols = tf.tensor3d(
        pos.flatMap(([, w]) => [w, w]),
        [1, pos.length, 2],
      );
      return sampleBilinear(feat, rows, cols).dataSync();
    });
    expectClose(
      got.filter((_, k) => k % 2 === 0),
      expected,
      'channel 0',
    );
    expectClose(
      got.filter((_, k) => k % 2 === 1),
      expected.map((v) => 10 * v),
      'channel 1',
    );
  });

  it('keeps images of a batch apart', () => {
    const got = tf.tidy(() => {
      const feat = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1]);
      const rows = tf.tensor3d([0.5, 0.5], [2, 1, 1]);
      const cols = tf.tensor3d([0.5, 0.5], [2, 1, 1]);
      return sampleBilinear(feat, rows, cols).dataSync();
    });
    expectClose(got, [2.5, 25], 'batch');
  });
});
