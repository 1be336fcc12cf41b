// Every public tensor function of the detector leaves the tensor count as it found it once its results
// are disposed, called outside a tidy or inside one (tfjs-models' "does not leak memory" tests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  negLogJointScore,
  negLogOneMinusJointScore,
  bceWithLogits,
  sigmoidFocalLoss,
} from '../../../src-main/detector/bce';
import { decodeLtrb, encodeLtrb } from '../../../src-main/detector/boxes';
import { DW_HYPER, fcosHyperForStrides } from '../../../src-main/detector/dwConfig';
import { dwForward, dwLoss, dwLossTerms, dwWeights } from '../../../src-main/detector/dwLoss';
import { disposeDwTargets, prepareDwTargets } from '../../../src-main/detector/dwTargets';
import {
  bagNegativeWeights,
  consistency,
  jointScore,
  negativeCurve,
  negativeWeights,
  paperNegativeCurve,
  positiveWeightRaw,
  positiveWeights,
  regressionQuality,
  scatterNegativeWeights,
} from '../../../src-main/detector/dwWeights';
import { fcosLoss, fcosLossFromTargets, prepareFcosTargets } from '../../../src-main/detector/fcosLoss';
import { fcosTargets } from '../../../src-main/detector/fcosTargets';
import { alignedOverlaps, giouLoss } from '../../../src-main/detector/iou';
import {
  refineLtrb,
  refinementSamples,
  sampleBilinear,
  sampleRefinedSides,
} from '../../../src-main/detector/refine';
import { detach, noGrad } from '../../../src-main/detector/tensorOps';
import { tf } from '../../../src-main/detector/tf';
import type { Tensor } from '../../../src-main/detector/tf';
import { BACKENDS, referenceCase, useBackend } from './helpers';

/** All tensors in a result (a tensor, an array or an object of them); numbers and arrays pass. */
function tensorsIn(x: unknown): Tensor[] {
  if (x instanceof tf.Tensor) return [x];
  if (Array.isArray(x)) return x.flatMap(tensorsIn);
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x)) return Object.values(x).flatMap(tensorsIn);
  return [];
}

describe.each(BACKENDS)('no tensor leaks on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  const { points, targets, outputs } = referenceCase();
  const C = 3;
  const P = points.count;
  const fcosHyper = fcosHyperForStrides([8, 16, 32]);

  // Inputs live for the whole test; each case only creates and returns what it computes.
  type Inputs = ReturnType<typeof makeInputs>;
  function makeInputs() {
    const out = outputs();
    const prepared = prepareDwTargets(points, targets, C, DW_HYPER);
    const xy = tf.tensor2d(points.xy, [P, 2]);
    const forward = dwForward(out, xy, prepared);
    const weights = dwWeights(forward, prepared);
    const fcosPrepared = prepareFcosTargets(points, [fcosTargets(points, targets[0]!, C, fcosHyper)], C);
    const pg = tf.ones([1, P, 2]);
    const coarse = tf.fill([1, 2, 3, 4], 9);
    const offsets = tf.fill([1, 2, 3, 8], 0.25);
    const ltrb2d = tf.squeeze(out.ltrb, [0]); // [P,4]
    const oneBox = tf.tensor2d([6, 10, 38, 46], [1, 4]);
    const predPairs = tf.expandDims(out.ltrb, 2); // [1,P,1,4]
    const gtPairs = tf.expandDims(prepared.gtBoxes, 1); // [1,1,G,4]
    const ctr3 = tf.expandDims(out.ctrLogits, -1); // [1,P,1]
    const rows = tf.fill([1, 5, 4], 0.3);
    const cols = tf.fill([1, 5, 4], 1.6);
    return {
      out,
      prepared,
      xy,
      forward,
      weights,
      fcosPrepared,
      pg,
      coarse,
      offsets,
      ltrb2d,
      oneBox,
      predPairs,
      gtPairs,
      ctr3,
      rows,
      cols,
    };
  }

  const cases: Array<[string, (i: Inputs) => unknown]> = [
    ['decodeLtrb', (i) => decodeLtrb(i.xy, i.ltrb2d)],
    ['encodeLtrb', (i) => encodeLtrb(i.xy, i.oneBox)],
    ['alignedOverlaps', (i) => alignedOverlaps(i.predPairs, i.gtPairs)],
    ['giouLoss', (i) => giouLoss(i.out.ltrb, i.out.ltrb)],
    ['jointScore', (i) => jointScore(i.out.clsLogits, i.out.ctrLogits)],
    ['regressionQuality', (i) => regressionQuality(i.forward.giouLoss, 5)],
    ['consistency', (i) => consistency(i.weights.pCls, i.weights.pLoc)],
    ['positiveWeightRaw', (i) => positiveWeightRaw(i.weights.t, 5)],
    ['positiveWeights', (i) => positiveWeights(i.weights.t, i.prepared.prior, DW_HYPER)],
    ['negativeCurve', (i) => negativeCurve(i.forward.iou, 2)],
    ['paperNegativeCurve', (i) => paperNegativeCurve(i.forward.iou, 2)],
    ['bagNegativeWeights', (i) => bagNegativeWeights(i.weights.iouInBag, i.prepared.inside, 2, 1e-12)],
    [
      'scatterNegativeWeights',
      (i) =>
        scatterNegativeWeights(
          i.weights.iouInBag,
          i.prepared.inside,
          i.prepared.labelOneHot,
          i.prepared.laterSameClass,
        ),
    ],
    ['negativeWeights', (i) => negativeWeights(i.weights.pNeg, i.forward.score, 2)],
    ['prepareDwTargets', () => prepareDwTargets(points, targets, C, DW_HYPER)],
    ['dwForward', (i) => dwForward(i.out, i.xy, i.prepared)],
    ['dwWeights', (i) => dwWeights(i.forward, i.prepared)],
    ['dwLossTerms', (i) => dwLossTerms(i.out, i.forward, i.prepared, i.weights)],
    ['dwLoss', (i) => dwLoss(i.out, points, targets)],
    [
      'dwLoss gradients',
      (i) =>
        tf.grads((a: Tensor) => dwLoss({ ...i.out, clsLogits: a }, points, targets).total)([i.out.clsLogits]),
    ],
    [
      'prepareFcosTargets',
      () => prepareFcosTargets(points, [fcosTargets(points, targets[0]!, C, fcosHyper)], C),
    ],
    ['fcosLossFromTargets', (i) => fcosLossFromTargets(i.out, points, i.fcosPrepared, fcosHyper)],
    ['fcosLoss', (i) => fcosLoss(i.out, points, targets, fcosHyper)],
    ['negLogJointScore', (i) => negLogJointScore(i.forward.clsAtLabel, i.ctr3, 100)],
    [
      'negLogOneMinusJointScore',
      (i) => negLogOneMinusJointScore(i.out.clsLogits, i.ctr3, i.forward.score, 100),
    ],
    ['bceWithLogits', (i) => bceWithLogits(i.out.ctrLogits, i.out.ctrLogits)],
    ['sigmoidFocalLoss', (i) => sigmoidFocalLoss(i.out.clsLogits, i.forward.score, 0.25, 2)],
    ['sampleBilinear', (i) => sampleBilinear(i.coarse, i.rows, i.cols)],
    ['refinementSamples', (i) => refinementSamples(i.coarse, i.offsets, 8)],
    ['sampleRefinedSides', (i) => sampleRefinedSides(i.coarse, i.offsets, 8)],
    ['refineLtrb', (i) => refineLtrb(i.coarse, i.offsets, 8)],
    ['detach', (i) => detach(i.forward.score)],
    ['noGrad', (i) => noGrad((x) => tf.square(x))(i.pg)],
    ['noGrad gradient', (i) => tf.grad((x: Tensor) => tf.sum(noGrad((y) => tf.square(y))(x)))(i.pg)],
  ];

  it.each(cases)('%s', (_name, fn) => {
    const inputs = makeInputs();
    // Outside a tidy: disposing what the function returned restores the count.
    const before = tf.memory().numTensors;
    tf.dispose(tensorsIn(fn(inputs)));
    expect(tf.memory().numTensors, 'outside tidy').toBe(before);
    // Inside a tidy: nothing survives it.
    tf.tidy(() => {
      fn(inputs);
    });
    expect(tf.memory().numTensors, 'inside tidy').toBe(before);
    tf.dispose(tensorsIn(inputs));
    disposeDwTargets(inputs.prepared);
  });
});
