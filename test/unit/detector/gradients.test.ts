// Numerical gradient checks of every differentiable piece (see gradcheck.ts for step and tolerance),
// on the pure-JS backend and on WebAssembly with the training kernels registered (the sampler's
// gradient to its feature map needs UnsortedSegmentSum, which stock wasm lacks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../../../src-main/compute/trainingKernels';
import { DW_HYPER, fcosHyperForStrides } from '../../../src-main/detector/dwConfig';
import { dwForward, dwLoss, dwLossTerms, dwWeights } from '../../../src-main/detector/dwLoss';
import type { DwLossTerms } from '../../../src-main/detector/dwLoss';
import { disposeDwTargets, prepareDwTargets } from '../../../src-main/detector/dwTargets';
import { tidy } from '../../../src-main/detector/tensorOps';
import { fcosLoss, fcosLossFromTargets, prepareFcosTargets } from '../../../src-main/detector/fcosLoss';
import type { FcosLoss } from '../../../src-main/detector/fcosLoss';
import { fcosTargets } from '../../../src-main/detector/fcosTargets';
import { giouLoss } from '../../../src-main/detector/iou';
import { refineLtrb, sampleBilinear } from '../../../src-main/detector/refine';
import { tf } from '../../../src-main/detector/tf';
import type { Tensor } from '../../../src-main/detector/tf';
import { GRAD_STEP, GRAD_TOL, gradCheck, sineWeights } from './gradcheck';
import { BACKENDS, flat, referenceCase, tensorOf, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const R: Json = vectors().f_box_refinement;

const measured: Record<string, Record<string, number>> = {};
function check(name: string, err: number): void {
  const mine = (measured[tf.getBackend()] ??= {});
  mine[name] = Math.max(mine[name] ?? 0, err);
  expect(err, name).toBeLessThan(GRAD_TOL);
}

describe.each(BACKENDS)('gradient checks on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    if (backend === 'wasm') registerTrainingKernels('wasm');
  });
  afterAll(() => {
    tf.disposeVariables();
    console.log(`max relative gradient errors on ${backend}:`, JSON.stringify(measured[backend]));
  });

  const { points, targets, outputs } = referenceCase();

  it('DW loss terms, with the weights held fixed', () => {
    const out = outputs();
    const C = 3;
    const prepared = prepareDwTargets(points, targets, C, DW_HYPER);
    const xy = tf.tensor2d(points.xy, [points.count, 2]);
    const weights = tidy(() => dwWeights(dwForward(out, xy, prepared), prepared));
    const term = (name: keyof DwLossTerms) => (cls: Tensor, ctr: Tensor, ltrb: Tensor) => {
      const o = { clsLogits: cls, ctrLogits: ctr, ltrb };
      return dwLossTerms(o, dwForward(o, xy, prepared), prepared, weights)[name];
    };
    const args = [out.clsLogits, out.ctrLogits, out.ltrb];
    check('dw clsPos', gradCheck(term('clsPos'), args, [0, 1]));
    check('dw loc', gradCheck(term('loc'), args, [2]));
    check('dw clsNeg', gradCheck(term('clsNeg'), args, [0, 1]));
    // The full loss differentiates exactly as the fixed-weight terms: the weights carry no gradient.
    const [full, fixed] = [
      (cls: Tensor, ctr: Tensor, ltrb: Tensor) =>
        dwLoss({ clsLogits: cls, ctrLogits: ctr, ltrb }, points, targets).total,
      term('total'),
    ].map((f) =>
      tf.tidy(() =>
        tf
          .grads(f)(args)
          .map((g) => Array.from(g.dataSync())),
      ),
    );
    expect(full).toEqual(fixed);
    tf.dispose([...Object.values(out), xy]);
    disposeDwTargets(prepared);
    tf.dispose(Object.values(weights));
  });

  it('FCOS losses', () => {
    const out = outputs();
    const hyper = fcosHyperForStrides([8, 16, 32]);
    const prepared = prepareFcosTargets(points, [fcosTargets(points, targets[0]!, 3, hyper)], 3);
    const term = (name: keyof FcosLoss) => (cls: Tensor, ctr: Tensor, ltrb: Tensor) =>
      fcosLossFromTargets({ clsLogits: cls, ctrLogits: ctr, ltrb }, points, prepared, hyper)[name];
    const args = [out.clsLogits, out.ctrLogits, out.ltrb];
    check('fcos cls', gradCheck(term('cls'), args, [0]));
    check('fcos bbox', gradCheck(term('bbox'), args, [2]));
    check('fcos ctr', gradCheck(term('ctr'), args, [1]));
    tf.dispose([
      ...Object.values(out),
      prepared.labelOneHot,
      prepared.ltrbStrides,
      prepared.centerness,
      prepared.positive,
    ]);
  });

  it('GIoU loss, overlapping, contained and disjoint pairs', () => {
    // No edge of a pair coincides within the step, so min/max have no kink in reach.
    const a = tf.tensor2d([0, 0, 10, 10, 10.5, 4.25, 30, 9.75, 2, 3, 8, 7.5, -5, -6, -1, -2], [4, 4]);
    const b = tf.tensor2d([5, 5, 15, 15, 12, 2, 28, 12, 0.5, 1, 11, 9, 3, 1, 9, 4], [4, 4]);
    check(
      'giou',
      gradCheck((x, y) => giouLoss(x, y), [a, b], [0, 1], { spread: 16, largest: 0 }),
    );
    tf.dispose([a, b]);
  });

  it('bilinear sampler, to the feature map and to the positions', () => {
    const feat = tf.tensor4d(sineWeights(48), [2, 3, 4, 2]);
    // Fractional parts in [0.15, 0.85]; some samples half outside the map, one fully outside.
    const rows = tf.tensor3d([0.3, 1.6, -0.5, 2.4, 1.2, 0.75, 2.65, -0.35, 1.5, 0.15, 3.5, 0.8], [2, 3, 2]);
    const cols = tf.tensor3d([0.5, 2.2, 1.3, -0.6, 3.4, 0.35, 1.85, 2.55, -0.3, 3.25, 1.5, 2.7], [2, 3, 2]);
    const f = (x: Tensor, r: Tensor, c: Tensor) => sampleBilinear(x, r, c);
    check('sampler d/dfeature', gradCheck(f, [feat, rows, cols], [0], { spread: 48, largest: 0 }));
    check('sampler d/dposition', gradCheck(f, [feat, rows, cols], [1, 2], { spread: 12, largest: 0 }));
    tf.dispose([feat, rows, cols]);
  });

  it('box refinement, to the coarse distances and the offsets', () => {
    const { H, W, stride } = R;
    // In grid units (distances / stride) the inputs, the outputs and the step share one scale.
    const coarse = tf.tidy(() => tf.div(tensorOf(R['coarse_ltrb (H x W x 4)'], [1, H, W, 4]), stride));
    const offsets = tensorOf(R['offsets (H x W x 8)'], [1, H, W, 8]);
    const f = (c: Tensor, o: Tensor) => tf.div(refineLtrb(tf.mul(c, stride), o, stride), stride);
    // Bilinear sampling is not differentiable where a sample position crosses an integer: leave out
    // the inputs that move a position (by one step here) that lies within reach of one.
    const rows = flat(R['sample_rows (H x W x 4)']);
    const cols = flat(R['sample_cols (H x W x 4)']);
    const nearKink = (v: number) => Math.abs(v - Math.round(v)) < 1.5 * GRAD_STEP;
    const COARSE_MOVES = [cols, rows, cols, rows]; // l → X1 column, t → Y1 row, r → X2 column, b → Y2 row
    const skip = (arg: number, i: number) => {
      if (arg === 0) return nearKink(COARSE_MOVES[i % 4]![i]!);
      const cell = Math.floor(i / 8);
      const side = Math.floor((i % 8) / 2);
      return nearKink((i % 2 === 0 ? rows : cols)[4 * cell + side]!);
    };
    // The rule leaves out only a few of the 192 inputs.
    const skipped = [0, 1].map((arg) => Array.from({ length: 64 * (arg + 1) }, (_, i) => skip(arg, i)));
    expect(skipped.flat().filter(Boolean).length).toBeLessThan(10);
    check('refine', gradCheck(f, [coarse, offsets], [0, 1], { spread: 24, largest: 8, skip }));
    tf.dispose([coarse, offsets]);
  });

  it('loss values and gradients stay finite for saturated logits and degenerate boxes', () => {
    const P = points.count;
    const extremes = [-100, 100, -30, 30, 0, -17, 17];
    const cls = tf.tensor3d(
      Array.from({ length: P * 3 }, (_, k) => extremes[k % extremes.length]!),
      [1, P, 3],
    );
    const ctr = tf.tensor2d(
      Array.from({ length: P }, (_, k) => extremes[(3 * k + 1) % extremes.length]!),
      [1, P],
    );
    // Zero-size boxes, boxes exactly on a GT, and huge boxes.
    const ltrb = tf.tensor3d(
      Array.from({ length: P * 4 }, (_, k) => [0, 0, 1e4, 3][k % 4]!),
      [1, P, 4],
    );
    const hyper = fcosHyperForStrides([8, 16, 32]);
    const losses = [
      (a: Tensor, b: Tensor, c: Tensor) =>
        dwLoss({ clsLogits: a, ctrLogits: b, ltrb: c }, points, targets).total,
      (a: Tensor, b: Tensor, c: Tensor) =>
        fcosLoss({ clsLogits: a, ctrLogits: b, ltrb: c }, points, targets, hyper).total,
    ];
    for (const loss of losses) {
      const { value, grads } = tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads(loss)([cls, ctr, ltrb]);
        return { value: value.dataSync()[0]!, grads: grads.map((g) => Array.from(g.dataSync())) };
      });
      expect(Number.isFinite(value)).toBe(true);
      expect(grads.flat().every(Number.isFinite)).toBe(true);
    }
    tf.dispose([cls, ctr, ltrb]);
  });
});
