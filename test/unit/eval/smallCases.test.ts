import { describe, expect, it } from 'vitest';
import {
  evaluate,
  type CocoBoxXYWH,
  type EvalDetection,
  type EvalGroundTruth,
  type EvalInput,
} from '../../../src-main/eval';

// Hand-worked cases; each expected value is derived in the comment above it (and agrees with
// pycocotools 2.0.11 run on the same boxes). Values are compared to 1e-12, not bit for bit: like
// pycocotools, precision is tp / (tp + fp + 2^-52), so a lone true positive has precision 1 - 2^-52.

const near = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12);
const allNear = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => near(v, expected[i]!));
};

const gt = (box: CocoBoxXYWH, extra: Partial<EvalGroundTruth> = {}): EvalGroundTruth => ({
  imageId: 1,
  classId: 1,
  box,
  ...extra,
});
const det = (box: CocoBoxXYWH, score: number, extra: Partial<EvalDetection> = {}): EvalDetection => ({
  imageId: 1,
  classId: 1,
  box,
  score,
  ...extra,
});
const run = (gts: EvalGroundTruth[], dets: EvalDetection[], more: Partial<EvalInput> = {}) =>
  evaluate({ images: [{ id: 1 }], classIds: [1], gts, dets, ...more });

describe('evaluate: small cases with exact answers', () => {
  it('one image, two boxes, three detections', () => {
    // d1 = g1 (IoU 1); d2 covers 80% of g2 (IoU 0.8: a match up to the 0.80 threshold, 7 of 10);
    // d3 repeats g1, already taken: a false positive everywhere.
    // t ≤ .80: TP TP FP → precision 1 at every recall → AP_t = 1.
    // t > .80: TP FP FP → recall stops at .5 → precision 1 on 51 of 101 recall points.
    const r = run(
      [gt([0, 0, 10, 10]), gt([20, 0, 10, 10])],
      [det([0, 0, 10, 10], 0.9), det([20, 0, 10, 8], 0.8), det([0, 0, 10, 10], 0.7)],
    );
    near(r.summary.AP, (7 + (3 * 51) / 101) / 10);
    near(r.summary.AP50, 1);
    near(r.summary.AP75, 1);
    // All boxes are 10×10: small. No medium or large ground truth → -1.
    near(r.summary.APs, r.summary.AP);
    expect([r.summary.APm, r.summary.APl, r.summary.ARm, r.summary.ARl]).toEqual([-1, -1, -1, -1]);
    // One detection per image: only d1 → recall .5. With more: (7 × 1 + 3 × .5) / 10.
    near(r.summary.AR1, 0.5);
    near(r.summary.AR10, 0.85);
    near(r.summary.AR100, 0.85);
    expect(r.perClass[0]).toMatchObject({ classId: 1, numGt: 2, numDets: 3, AP50: 1 });
  });

  it('a crowd region absorbs any number of detections inside it and is never a miss', () => {
    // d2, d3 lie inside the crowd: IoU = intersection / detection area = 1 → matched, ignored.
    // d5 overlaps it by a quarter of its own area (0.25 < .5): a false positive.
    // Counted, in score order: d5 FP, d1 TP, d4 FP → precision .5 at every recall → AP .5.
    const r = run(
      [gt([0, 0, 10, 10]), gt([50, 50, 100, 100], { iscrowd: true })],
      [
        det([60, 60, 10, 10], 0.95),
        det([70, 70, 10, 10], 0.93),
        det([140, 140, 20, 20], 0.92),
        det([0, 0, 10, 10], 0.9),
        det([200, 200, 10, 10], 0.6),
      ],
    );
    near(r.summary.AP, 0.5);
    near(r.summary.AP50, 0.5);
    // The crowd is not a box to find: one box, found.
    near(r.summary.AR100, 1);
    expect(r.perClass[0]!.numGt).toBe(1);
    // Large range: the only large box is the crowd → nothing to score.
    near(r.summary.APl, -1);
  });

  it('a box outside the area range is ignored, and so is a detection that matches it', () => {
    // small g1 (area 100) and large g2 (10,000); d3 (score .95) matches nothing and is small.
    const gts = [gt([0, 0, 10, 10]), gt([100, 100, 100, 100])];
    const dets = [det([100, 100, 100, 100], 0.9), det([0, 0, 10, 10], 0.8), det([300, 300, 10, 10], 0.95)];
    const r = run(gts, dets);
    // all: FP TP TP → precision 2/3 up to recall 1.
    near(r.summary.AP, 2 / 3);
    // small: d1 matched the ignored g2 → ignored; FP TP → precision .5.
    near(r.summary.APs, 0.5);
    // large: d2 matched the ignored g1, d3 is unmatched and outside the range: both ignored → 1.
    near(r.summary.APl, 1);
    near(r.summary.APm, -1);
    expect([r.summary.ARs, r.summary.ARl]).toEqual([1, 1]);
  });

  it("takes the bucket from the ground truth's area field, not its box", () => {
    // A 10×10 box whose annotation says area 2000: medium. The detection matching it is ignored in small.
    const r = run([gt([0, 0, 10, 10], { area: 2000 })], [det([0, 0, 10, 10], 0.9)]);
    near(r.summary.APm, 1);
    near(r.summary.APs, -1);
  });

  it('prefers a box that counts over a better-overlapping ignored one', () => {
    // g1 10×10 (small); g2 10×11 with area 2000 (medium). The detection equals g2: IoU 1 with g2,
    // 100/110 = .909 with g1.
    const gts = [gt([0, 0, 10, 10]), gt([0, 0, 10, 11], { area: 2000 })];
    const r = run(gts, [det([0, 0, 10, 11], 0.9)]);
    // small: g2 is ignored, g1 wins up to threshold .90 (9 of 10); at .95 the detection falls to the
    // ignored g2 and counts for nothing, while g1 stays missed.
    near(r.summary.APs, 0.9);
    near(r.summary.ARs, 0.9);
    // all: both count, and the better overlap (g2) wins; g1 is missed → recall .5 → 51 of 101 points.
    near(r.summary.AP, 51 / 101);
    near(r.summary.AR100, 0.5);
  });

  it('keeps 100 detections per image and per class, not per image', () => {
    // Class 1: 100 far-away detections outscore the one that finds its box (the 101st): AP 0.
    // Class 2, same image, scored lowest of all: still kept, because the cut is per class → AP 1.
    const far = Array.from({ length: 100 }, (_, i) => det([500 + i * 20, 500, 10, 10], 0.9));
    const r = run(
      [gt([0, 0, 10, 10]), gt([50, 50, 10, 10], { classId: 2 })],
      [...far, det([0, 0, 10, 10], 0.5), det([50, 50, 10, 10], 0.1, { classId: 2 })],
      { classIds: [1, 2] },
    );
    allNear(
      r.perClass.map((c) => c.AP),
      [0, 1],
    );
    near(r.summary.AP, 0.5);
    near(r.summary.AR100, 0.5);
    // One detection per image and class: class 1's is a false positive, class 2's finds its box.
    near(r.summary.AR1, 0.5);
    expect(r.perClass[0]!.numDets).toBe(101);
  });

  it('breaks score ties by input order within an image', () => {
    // Same score: the false positive listed first → FP TP → .5; listed second → TP FP → 1.
    const g = [gt([0, 0, 10, 10])];
    const hit = det([0, 0, 10, 10], 0.5);
    const miss = det([50, 50, 10, 10], 0.5);
    near(run(g, [miss, hit]).summary.AP, 0.5);
    near(run(g, [hit, miss]).summary.AP, 1);
  });

  it('breaks score ties across images by ascending image id, whatever the input order', () => {
    const images = [{ id: 2 }, { id: 1 }];
    const g = [gt([0, 0, 10, 10], { imageId: 2 })];
    const hit = det([0, 0, 10, 10], 0.5, { imageId: 2 });
    const miss = det([0, 0, 10, 10], 0.5, { imageId: 1 });
    // Image 1's false positive comes first either way.
    near(run(g, [hit, miss], { images }).summary.AP, 0.5);
    near(run(g, [miss, hit], { images }).summary.AP, 0.5);
  });

  it('scores a class without ground truth -1 and leaves it out; a class never detected scores 0', () => {
    const r = run(
      [gt([0, 0, 10, 10]), gt([20, 20, 10, 10], { classId: 2 })],
      [det([0, 0, 10, 10], 0.9), det([40, 40, 10, 10], 0.8, { classId: 3 })],
      { classIds: [1, 2, 3], images: [{ id: 1 }, { id: 2 }] },
    );
    allNear(
      r.perClass.map((c) => c.AP),
      [1, 0, -1],
    );
    allNear(
      r.perClass.map((c) => c.AP50),
      [1, 0, -1],
    );
    expect(r.perClass[2]!.curve).toBeNull();
    near(r.summary.AP, 0.5);
    near(r.summary.AR100, 0.5);
  });

  it('counts detections on an image without ground truth as false positives', () => {
    const r = run(
      [gt([0, 0, 10, 10])],
      [det([0, 0, 10, 10], 0.5), det([0, 0, 10, 10], 0.9, { imageId: 2 })],
      { images: [{ id: 1 }, { id: 2 }, { id: 3 }] },
    );
    // FP (image 2, score .9) then TP → precision .5 at every recall.
    near(r.summary.AP, 0.5);
  });

  it('scores -1 everywhere when there is no ground truth at all, and 0 with no detections', () => {
    const none = run([], [det([0, 0, 10, 10], 0.9)]);
    expect(Object.values(none.summary)).toEqual(new Array(12).fill(-1));
    const missed = run([gt([0, 0, 10, 10])], []);
    near(missed.summary.AP, 0);
    near(missed.summary.AR100, 0);
  });

  it('gives precision-recall curves a chart can draw', () => {
    const r = run(
      [gt([0, 0, 10, 10]), gt([20, 0, 10, 10])],
      [det([0, 0, 10, 10], 0.9), det([20, 0, 10, 8], 0.8), det([0, 0, 10, 10], 0.7)],
    );
    expect(r.recallThresholds).toHaveLength(101);
    const curve = r.perClass[0]!.curve!;
    allNear(curve.precision50, new Array<number>(101).fill(1));
    // 7 thresholds at precision 1; 3 at 1 up to recall .5, then 0.
    near(curve.precisionMean[50]!, 1);
    near(curve.precisionMean[51]!, 0.7);
    expect(curve.raw50.recall).toEqual([0.5, 1, 1]);
    allNear(curve.raw50.precision, [1, 1, 2 / 3]);
    expect(curve.raw50.score).toEqual([0.9, 0.8, 0.7]);
  });
});
