// Post-processing on hand-made scores (SPEC §7, §8 inference).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_HYPER } from '../../../src-main/detector/dwConfig';
import type { InferenceHyper } from '../../../src-main/detector/dwConfig';
import { makePointGrid } from '../../../src-main/detector/points';
import {
  classwiseNms,
  detectBatch,
  postprocessImage,
  topPairs,
} from '../../../src-main/detector/postprocess';
import type { ImageFrame } from '../../../src-main/detector/postprocess';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, useBackend } from './helpers';

// Level 0 (stride 8): points (4, 4), (12, 4); level 1 (stride 16): point (8, 8). C = 2.
const points = makePointGrid(
  [
    { height: 1, width: 2 },
    { height: 1, width: 1 },
  ],
  [8, 16],
);
const FRAME: ImageFrame = { height: 100, width: 100, scaleX: 1, scaleY: 1 };
const hyper = (h: Partial<InferenceHyper>): InferenceHyper => ({ ...INFERENCE_HYPER, ...h });
// Every point predicts the same 4-px box around itself unless a test says otherwise.
const LTRB = Float32Array.from([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);

describe('post-processing', () => {
  it('keeps scores strictly above the threshold', () => {
    const scores = Float32Array.from([0.05, 0.0501, 0.04, 0.9, 0.05, 0.05]);
    expect(topPairs(scores, 2, 0, 3, 0.05, 1000)).toEqual([3, 1]);
  });

  it('takes the top k (point, class) pairs per level, best first, ties in index order', () => {
    const scores = Float32Array.from([0.3, 0.7, 0.5, 0.7, 0.1, 0.2]);
    expect(topPairs(scores, 2, 0, 2, 0.05, 2)).toEqual([1, 3]);
    expect(topPairs(scores, 2, 0, 2, 0.05, 3)).toEqual([1, 3, 2]);
    expect(topPairs(Float32Array.from([0.5, 0.5, 0.5, 0.5]), 2, 0, 2, 0.05, 3)).toEqual([0, 1, 2]);
    // Per level: level 1 keeps its own pairs however weak against level 0.
    const det = postprocessImage(
      { filterScores: scores, ltrb: LTRB },
      points,
      2,
      FRAME,
      hyper({ nmsPre: 1, nmsIou: 1 }),
    );
    expectClose(det.scores, [0.7, 0.2], 'scores');
    expect(Array.from(det.labels)).toEqual([1, 1]);
  });

  it('NMS suppresses IoU > threshold within a class only; equality survives', () => {
    // Boxes 0 and 1 have IoU 0.6 exactly (area 100, 100; intersection 75). Box 2 copies box 0.
    const boxes = Float32Array.from([0, 0, 10, 10, 2.5, 0, 12.5, 10, 0, 0, 10, 10]);
    expect(classwiseNms(boxes, Int32Array.from([0, 0, 0]), 0.6, 100)).toEqual([0, 1]);
    expect(classwiseNms(boxes, Int32Array.from([0, 0, 0]), 0.59, 100)).toEqual([0]);
    expect(classwiseNms(boxes, Int32Array.from([0, 1, 1]), 0.5, 100)).toEqual([0, 1]);
    expect(classwiseNms(boxes, Int32Array.from([0, 1, 2]), 0.5, 100)).toEqual([0, 1, 2]);
    expect(classwiseNms(boxes, Int32Array.from([0, 1, 2]), 0.5, 2)).toEqual([0, 1]);
  });

  it('decodes, clips to the resized image and divides by the scale', () => {
    const scores = Float32Array.from([0.9, 0, 0, 0, 0, 0.8]);
    const ltrb = Float32Array.from([10, 1, 3, 2, 0, 0, 0, 0, 4, 20, 100, 2]);
    const det = postprocessImage(
      { filterScores: scores, ltrb },
      points,
      2,
      { height: 20, width: 50, scaleX: 2, scaleY: 0.5 },
      INFERENCE_HYPER,
    );
    // point (4,4): [−6, 3, 7, 6] → clip x ≥ 0 → [0, 3, 7, 6] → /(2, 0.5) → [0, 6, 3.5, 12]
    // point (8,8): [4, −12, 108, 10] → [4, 0, 50, 10] → [2, 0, 25, 20]
    expectClose(det.boxesXYXY, [0, 6, 3.5, 12, 2, 0, 25, 20], 'boxes');
    expectClose(det.scores, [0.9, 0.8], 'scores');
    expect(Array.from(det.labels)).toEqual([0, 1]);
  });

  it('caps detections per image and keeps same-place boxes of different classes', () => {
    const scores = Float32Array.from([0.9, 0.8, 0.6, 0.7, 0.3, 0.4]);
    const all = postprocessImage({ filterScores: scores, ltrb: LTRB }, points, 2, FRAME, INFERENCE_HYPER);
    // Points 0 and 1 boxes [2,2,6,6] and [10,2,14,6] are disjoint; point 2's [6,6,10,10] too.
    expectClose(all.scores, [0.9, 0.8, 0.7, 0.6, 0.4, 0.3], 'all');
    const capped = postprocessImage(
      { filterScores: scores, ltrb: LTRB },
      points,
      2,
      FRAME,
      hyper({ maxPerImage: 3 }),
    );
    expectClose(capped.scores, [0.9, 0.8, 0.7], 'capped');
    expect(Array.from(capped.labels)).toEqual([0, 1, 1]);
  });

  it('FCOS rule: filters on σ(cls), reports σ(cls)·σ(ctr) and ranks by it', () => {
    const scores = Float32Array.from([0.9, 0.04, 0.5, 0.06, 0, 0]);
    const det = postprocessImage(
      { filterScores: scores, scoreFactor: Float32Array.from([0.1, 0.9, 1]), ltrb: LTRB },
      points,
      2,
      FRAME,
      INFERENCE_HYPER,
    );
    // kept pairs: (0,0) 0.9·0.1, (1,0) 0.5·0.9, (1,1) 0.06·0.9; (0,1) 0.04 fails the threshold
    expectClose(det.scores, [0.45, 0.09, 0.054], 'scores');
    expect(Array.from(det.labels)).toEqual([0, 0, 1]);
  });
});

describe.each(BACKENDS)('detectBatch on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('reads the device once and matches the typed-array path, for both score rules', async () => {
    const cls = [2, -1, 0.5, 1, -3, 3, 0, 0, 1, 1, -2, 4];
    const ctr = [0.5, -0.5, 1, 2, 0, -1];
    const ltrb = Array.from({ length: 24 }, (_, k) => 1 + (k % 5));
    const outputs = {
      clsLogits: tf.tensor3d(cls, [2, 3, 2]),
      ctrLogits: tf.tensor2d(ctr, [2, 3]),
      ltrb: tf.tensor3d(ltrb, [2, 3, 4]),
    };
    const before = tf.memory().numTensors;
    const frames = [FRAME, { height: 30, width: 30, scaleX: 0.5, scaleY: 0.5 }];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (const rule of ['dw', 'fcos'] as const) {
      const got = await detectBatch(outputs, points, frames, rule);
      frames.forEach((frame, b) => {
        const filterScores = Float32Array.from({ length: 6 }, (_, k) => {
          const s = sig(cls[6 * b + k]!);
          return rule === 'dw' ? s * sig(ctr[3 * b + Math.floor(k / 2)]!) : s;
        });
        const scoreFactor =
          rule === 'fcos' ? Float32Array.from([0, 1, 2], (p) => sig(ctr[3 * b + p]!)) : undefined;
        const want = postprocessImage(
          { filterScores, scoreFactor, ltrb: Float32Array.from(ltrb.slice(12 * b, 12 * b + 12)) },
          points,
          2,
          frame,
        );
        expect(Array.from(got[b]!.labels)).toEqual(Array.from(want.labels));
        expectClose(got[b]!.scores, want.scores, `${rule} scores`);
        expectClose(got[b]!.boxesXYXY, want.boxesXYXY, `${rule} boxes`);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(outputs));
  });
});
