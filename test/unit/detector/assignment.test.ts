// Small assignment cases with answers worked by hand, in the style of mmdetection's assigner tests:
// a few points and one or two boxes, the image without boxes, and overlapping boxes of one class.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageTargets } from '../../../src-main/detector/boxes';
import { DW_HYPER, F32_EPS } from '../../../src-main/detector/dwConfig';
import { dwForward, dwLoss, dwWeights } from '../../../src-main/detector/dwLoss';
import { prepareDwTargets } from '../../../src-main/detector/dwTargets';
import { fcosLoss } from '../../../src-main/detector/fcosLoss';
import { fcosTargets } from '../../../src-main/detector/fcosTargets';
import type { DetectorOutputs } from '../../../src-main/detector/outputs';
import { makePointGrid } from '../../../src-main/detector/points';
import type { PointGrid } from '../../../src-main/detector/points';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, useBackend } from './helpers';

const box = (xyxy: number[], labels: number[]): ImageTargets => ({
  boxesXYXY: Float32Array.from(xyxy),
  labels: Int32Array.from(labels),
});
const EMPTY = box([], []);

function outputsOf(B: number, P: number, C: number, ltrb: number[], cls = 0, ctr = 0): DetectorOutputs {
  return {
    clsLogits: tf.fill([B, P, C], cls),
    ctrLogits: tf.fill([B, P], ctr),
    ltrb: tf.tensor3d(ltrb, [B, P, 4]),
  };
}

/** DW maps of one image, read back: [P×G] and [P×C] row-major. */
function dwMaps(points: PointGrid, outputs: DetectorOutputs, target: ImageTargets, C: number) {
  return tf.tidy(() => {
    const prepared = prepareDwTargets(points, [target], C, DW_HYPER);
    const w = dwWeights(dwForward(outputs, tf.tensor2d(points.xy, [points.count, 2]), prepared), prepared);
    return { wPos: w.wPos.dataSync(), pNeg: w.pNeg.dataSync(), negAvg: w.negAvgFactor.dataSync()[0]! };
  });
}

describe.each(BACKENDS)('DW assignment, worked cases, on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  // Stride 8, one row of three points: (4, 4), (12, 4), (20, 4). One box [0, 0, 16, 8] of class 0.
  // Point 0 predicts the box exactly, point 1 a box of IoU 0.75 inside it, point 2 is outside.
  // All logits 0, so s = σ(0)·σ(0) = 0.25 everywhere; C = 2.
  const points = makePointGrid([{ height: 1, width: 3 }], [8]);
  const ltrb = [4, 4, 12, 4, 12, 4, 4, 2, 8, 8, 8, 8];
  const target = box([0, 0, 16, 8], [0]);
  const t0 = 0.25;
  const t1 = 0.25 * Math.exp(-5 * 0.25); // GIoU = IoU = 0.75: L = 0.25
  const den = Math.exp(3 * t0) * t0 + Math.exp(3 * t1) * t1; // the prior (equal for both) cancels
  const w0 = (Math.exp(5 * t0) * t0) / den;
  const w1 = (Math.exp(5 * t1) * t1) / den;
  const negTerm = 0.25 * 0.25 * Math.log(4 / 3); // s²·(−ln(1 − s))

  it('three points, one box: weights and losses', () => {
    const maps = tf.tidy(() => dwMaps(points, outputsOf(1, 3, 2, ltrb), target, 2));
    expectClose(maps.wPos, [w0, w1, 0], 'w_pos');
    // Bag IoUs 1 and 0.75: the best point gets ≈ 1e-12, the other the upper end 1; class 1 untouched.
    expectClose(maps.pNeg, [0, 1, 1, 1, 1, 1], 'P_neg');
    expectClose([maps.negAvg], 1, 'N_neg');
    const loss = tf.tidy(() => {
      const l = dwLoss(outputsOf(1, 3, 2, ltrb), points, [target]);
      return [l.clsPos, l.loc, l.clsNeg, l.total].map((x) => x.dataSync()[0]!);
    });
    const expected = [0.25 * (w0 + w1) * Math.log(4), 0.25 * w1 * 5 * 0.25, 5 * negTerm];
    expectClose(loss, [...expected, expected[0]! + expected[1]! + expected[2]!], 'losses');
  });

  it('an image without boxes adds negative terms only', () => {
    const loss = tf.tidy(() => {
      const l = dwLoss(outputsOf(1, 3, 2, ltrb), points, [EMPTY]);
      return [l.clsPos, l.loc, l.clsNeg].map((x) => x.dataSync()[0]!);
    });
    // P_neg is all ones, N_neg = 0 is clamped to 1.
    expectClose(loss, [0, 0, 6 * negTerm], 'empty image');
    const batch = tf.tidy(() => {
      const l = dwLoss(outputsOf(2, 3, 2, [...ltrb, ...ltrb]), points, [target, EMPTY]);
      return [l.clsPos, l.loc, l.clsNeg].map((x) => x.dataSync()[0]!);
    });
    // Sums over the batch, N_gt = 1 and N_neg = 1 + 0.
    expectClose(batch, [0.25 * (w0 + w1) * Math.log(4), 0.25 * w1 * 5 * 0.25, 11 * negTerm], 'batch');
  });

  it('normalises a batch by its total GT count and total N_neg (padding GTs change nothing)', () => {
    const two = box([0, 0, 16, 8, 8, 0, 24, 8], [0, 1]);
    const run = (targets: ImageTargets[]) =>
      tf.tidy(() => {
        const l = dwLoss(
          outputsOf(
            targets.length,
            3,
            2,
            targets.flatMap(() => ltrb),
          ),
          points,
          targets,
        );
        return [l.clsPos, l.loc, l.clsNeg].map((x) => x.dataSync()[0]!);
      });
    const maps1 = tf.tidy(() => dwMaps(points, outputsOf(1, 3, 2, ltrb), target, 2));
    const maps2 = tf.tidy(() => dwMaps(points, outputsOf(1, 3, 2, ltrb), two, 2));
    const [p1, l1, n1] = run([target]);
    const [p2, l2, n2] = run([two]);
    const [pb, lb, nb] = run([target, two]);
    // Single images: N_gt 1 and 2; the batch: N_gt 3, N_neg the sum of both.
    const nNeg = Math.max(maps1.negAvg + maps2.negAvg, 1);
    expectClose([pb!], (p1! * 1 + p2! * 2) / 3, 'clsPos');
    expectClose([lb!], (l1! * 1 + l2! * 2) / 3, 'loc');
    expectClose([nb!], (n1! * Math.max(maps1.negAvg, 1) + n2! * Math.max(maps2.negAvg, 1)) / nNeg, 'clsNeg');
  });
});

describe.each(BACKENDS)('DW same-class overlap on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  // Stride 8, points x = 4, 12, 20, 28 (y = 4). Box A [0,0,24,8] holds points 0–2, box B [8,0,32,8]
  // points 1–3; points 1 and 2 are in both. Distinct predicted boxes give distinct bag values.
  const points = makePointGrid([{ height: 1, width: 4 }], [8]);
  const ltrb = [4, 4, 20, 4, 10, 4, 12, 3, 15, 4, 3, 4, 18, 4, 4, 2];
  const A = [0, 0, 24, 8];
  const Bx = [8, 0, 32, 8];
  const pNegOf = (t: ImageTargets) =>
    tf.tidy(() => dwMaps(points, outputsOf(1, 4, 2, ltrb), t, 2).pNeg) as Float32Array;
  const column = (pNeg: Float32Array, c: number) => Array.from({ length: 4 }, (_, i) => pNeg[2 * i + c]!);

  it('the last GT of a class wins where bags of that class overlap', () => {
    const yA = column(pNegOf(box(A, [0])), 0);
    const yB = column(pNegOf(box(Bx, [0])), 0);
    expect(yA[1]).not.toBeCloseTo(yB[1]!, 3); // the rule is visible
    const ab = column(pNegOf(box([...A, ...Bx], [0, 0])), 0);
    expectClose(ab, [yA[0]!, yB[1]!, yB[2]!, yB[3]!], 'A then B');
    const ba = column(pNegOf(box([...Bx, ...A], [0, 0])), 0);
    expectClose(ba, [yA[0]!, yA[1]!, yA[2]!, yB[3]!], 'B then A');
  });

  it('GTs of different classes fill their own columns', () => {
    const yA = column(pNegOf(box(A, [0])), 0);
    const yB = column(pNegOf(box(Bx, [1])), 1);
    const both = pNegOf(box([...A, ...Bx], [0, 1]));
    expectClose(column(both, 0), yA, 'class 0');
    expectClose(column(both, 1), yB, 'class 1');
  });
});

describe('FCOS assignment, worked cases (pure JS)', () => {
  // Stride 8, points x = 4, 12, 20, 28, 36 (y = 4); one level. Box [0,0,40,8] has centre (20, 4); its
  // centre box ±12 px clipped to the box is [8, 0, 32, 8]: points 1–3 are strictly inside.
  const points = makePointGrid([{ height: 1, width: 5 }], [8]);
  const hyper = (hi: number) => ({ centerRadius: 1.5, regressRanges: [[-1, hi]] as Array<[number, number]> });

  it('centre sampling, labels, distances and centerness', () => {
    const t = fcosTargets(points, box([0, 0, 40, 8], [1]), 2, hyper(1e8));
    expect(Array.from(t.labels)).toEqual([2, 1, 1, 1, 2]);
    expect(Array.from(t.positives)).toEqual([1, 2, 3]);
    expect(Array.from(t.ltrbPixels.subarray(4, 16))).toEqual([12, 4, 28, 4, 20, 4, 20, 4, 28, 4, 12, 4]);
    expectClose(Array.from(t.ltrbStrides.subarray(4, 8)), [1.5, 0.5, 3.5, 0.5], 'normalised');
    expectClose(t.centerness, [0, Math.sqrt(12 / 28), 1, Math.sqrt(12 / 28), 0], 'centerness');
  });

  it('regress ranges are inclusive', () => {
    // max(l, t, r, b) is 28, 20, 28 for points 1–3: only the centre fits [−1, 20].
    expect(Array.from(fcosTargets(points, box([0, 0, 40, 8], [1]), 2, hyper(20)).labels)).toEqual([
      2, 2, 1, 2, 2,
    ]);
    expect(Array.from(fcosTargets(points, box([0, 0, 40, 8], [1]), 2, hyper(19.99)).labels)).toEqual([
      2, 2, 2, 2, 2,
    ]);
  });

  it('the smaller box wins where both pass', () => {
    const t = fcosTargets(points, box([0, 0, 40, 8, 8, 0, 32, 8], [1, 0]), 2, hyper(1e8));
    expect(Array.from(t.labels)).toEqual([2, 0, 0, 0, 2]);
    expect(Array.from(t.gtIndex)).toEqual([-1, 1, 1, 1, -1]);
  });

  it('an image without boxes is all background', () => {
    const t = fcosTargets(points, EMPTY, 2, hyper(1e8));
    expect(Array.from(t.labels)).toEqual([2, 2, 2, 2, 2]);
    expect(t.positives.length).toBe(0);
    expect(Array.from(t.ltrbPixels).every((v) => v === 0)).toBe(true);
  });
});

describe.each(BACKENDS)('FCOS loss without boxes on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('is the focal negative term / (1 + eps), with zero box and centerness terms', () => {
    const points = makePointGrid([{ height: 1, width: 5 }], [8]);
    const x = -1.5;
    const loss = tf.tidy(() => {
      const l = fcosLoss(outputsOf(1, 5, 2, new Array(20).fill(3), x, 0.3), points, [EMPTY], {
        centerRadius: 1.5,
        regressRanges: [[-1, 1e8]],
        focalAlpha: 0.25,
        focalGamma: 2,
        iouEps: 1e-6,
        ctrWeightFloor: 1e-6,
      });
      return [l.cls, l.bbox, l.ctr].map((v) => v.dataSync()[0]!);
    });
    const p = 1 / (1 + Math.exp(-x));
    const focal = 0.75 * p * p * Math.log(1 + Math.exp(x));
    expectClose(loss, [(10 * focal) / (1 + F32_EPS), 0, 0], 'losses');
  });
});
