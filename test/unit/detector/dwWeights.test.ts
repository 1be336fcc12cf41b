// DW weight formulas against vectors.json a_fig1 (the paper's Fig. 1 anchors) and b_P_neg (the
// negative curves and the per-bag rescaling) (SPEC §3–§4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bagNegativeWeights,
  consistency,
  negativeCurve,
  negativeCurveCoefficient,
  negativeWeights,
  paperNegativeCoefficients,
  paperNegativeCurve,
  positiveWeightRaw,
  positiveWeights,
} from '../../../src-main/detector/dwWeights';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const A: Json = vectors().a_fig1;
const B: Json = vectors().b_P_neg;
const GAMMAS = [1, 2, 3] as const;

describe('curve coefficients', () => {
  it.each(GAMMAS)('γ1 = %i: paper k, b and the code k = b', (g) => {
    const row = B[`gamma1=${g}`];
    const { k, b } = paperNegativeCoefficients(g);
    expectClose([k, b], [row.paper_k, row.paper_b], 'paper k, b');
    expectClose([negativeCurveCoefficient(g)], row['code_raw_k=b'], 'code k');
  });
});

describe.each(BACKENDS)('DW weights on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('reproduces the Fig. 1 variants that are formulas of ours', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const s = tf.tensor2d(A.score, [4, 1]); // 4 anchors (P) × 1 GT
      const iou = tf.tensor2d(A.iou, [4, 1]);
      const ones = tf.onesLike(s);
      const t = consistency(s, tf.pow(iou, 5));
      expectClose(t, A['t = s*IoU^beta'], 't');
      const P = A.w_pos_variants;
      expectClose(positiveWeightRaw(t, 5), P['unnormalized exp(mu*t)*t'].values, 'raw');
      expectClose(
        positiveWeights(t, ones, { muNum: 5, muDen: 5, weightEps: 1e-12 }),
        P['normalized by sum over the 4 anchors (one bag)'].values,
        'sum-normalised',
      );
      expectClose(
        positiveWeights(t, ones, { muNum: 5, muDen: 3, weightEps: 1e-12 }),
        P['reference-code style exp(5t)t / sum(exp(3t)t) over the 4 anchors'].values,
        'code 5/3',
      );
      const N = A.w_neg_variants;
      expectClose(
        negativeWeights(paperNegativeCurve(iou, 2), s, 2),
        N['paper Eq.5/6 (k,b through (0.5,1),(0.95,0); 1 below 0.5; 0 above 0.95) * s^2'].values,
        'paper neg',
      );
      expectClose(
        negativeWeights(negativeCurve(iou, 2), s, 2),
        N['code raw curve (1-IoU^2)/0.75, unclamped, * s^2'].values,
        'code raw neg',
      );
      expectClose(
        negativeWeights(bagNegativeWeights(iou, ones, 2, 1e-12), s, 2),
        N['code bag-normalised (min-max over the 4 anchors as one bag) * s^2'].values,
        'code bag neg',
      );
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(GAMMAS)('reproduces the b_P_neg curves for γ1 = %i', (g) => {
    const row = B[`gamma1=${g}`];
    tf.tidy(() => {
      const iou = tf.tensor1d(B.iou);
      expectClose(paperNegativeCurve(iou, g), row.paper_P_neg, 'paper');
      expectClose(negativeCurve(iou, g), row['code_raw_curve (before bag normalisation)'], 'code raw');
    });
  });

  it('reproduces the bag examples, single-anchor bag included', () => {
    for (const ex of B['code_bag_examples_gamma1=2'] as Json[]) {
      const n = ex.bag_ious.length;
      const y = tf.tidy(() =>
        bagNegativeWeights(tf.tensor2d(ex.bag_ious, [n, 1]), tf.ones([n, 1]), 2, 1e-12).dataSync(),
      );
      expectClose(y, ex.P_neg, ex.closed_form);
    }
  });

  it('rescales each GT column over its own bag only, and is 1 outside it', () => {
    // Points by GTs, row-major [P=4, G=2]. GT 1's bag is points 2 and 3: point 1's IoU 0.8 with it
    // must not count, or its best IoU would be 0.8 instead of 0.75.
    const iou = [0.9, 0.6, 0.7, 0.8, 0.9, 0.6, 0.55, 0.75];
    const inside = [1, 0, 1, 0, 1, 1, 1, 1];
    const y = tf.tidy(() =>
      bagNegativeWeights(tf.tensor2d(iou, [4, 2]), tf.tensor2d(inside, [4, 2]), 2, 1e-12).dataSync(),
    );
    const closed = (x: number, m: number, L: number) => (m * m - x * x) / (m * m - L * L);
    // GT 0: bag IoUs 0.9, 0.7, 0.9, 0.55 → m 0.9, L 0.55. GT 1: bag IoUs 0.6, 0.75 → m 0.75, L 0.6.
    const gt0 = (x: number) => closed(x, 0.9, 0.55);
    const gt1 = (x: number) => closed(x, 0.75, 0.6);
    expectClose(y, [gt0(0.9), 1, gt0(0.7), 1, gt0(0.9), gt1(0.6), gt0(0.55), gt1(0.75)], 'y');
  });
});
