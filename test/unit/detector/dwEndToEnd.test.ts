// vectors.json → c_dw_end_to_end: every intermediate of the DW loss on the reference image, on both
// backends (SPEC §2–§5, §11).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLtrb } from '../../../src-main/detector/boxes';
import { candidateBags, centerPriorRaw } from '../../../src-main/detector/centerPrior';
import { DW_HYPER } from '../../../src-main/detector/dwConfig';
import { dwForward, dwLoss, dwLossTerms, dwWeights } from '../../../src-main/detector/dwLoss';
import { disposeDwTargets, prepareDwTargets } from '../../../src-main/detector/dwTargets';
import {
  consistency,
  negativeWeights,
  paperNegativeCurve,
  positiveWeights,
} from '../../../src-main/detector/dwWeights';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, flat, referenceCase, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const OUT: Json = vectors().c_dw_end_to_end.outputs;
const P = 84;
const C = 3;

describe('DW reference image: geometry (pure JS)', () => {
  const { points, targets } = referenceCase();
  it('in-box mask and centre prior, raw and masked', () => {
    const bags = candidateBags(points, targets[0]!.boxesXYXY, {
      sigma: DW_HYPER.priorSigma,
      soft: true,
      hardThreshold: DW_HYPER.hardPriorThreshold,
    });
    expect(Array.from(bags.inside)).toEqual(Array.from(flat(OUT.inside_gt_mask)));
    expectClose(
      centerPriorRaw(points, targets[0]!.boxesXYXY, DW_HYPER.priorSigma),
      OUT['center_prior_raw (before inside mask)'],
      'cp_raw',
    );
    expectClose(bags.prior, OUT['center_prior (after inside mask) = candidate-bag weight'], 'cp');
  });
});

describe.each(BACKENDS)('DW reference image on %s', (backend) => {
  const { points, targets, outputs } = referenceCase();
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('reproduces every intermediate and the three losses', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const out = outputs();
      const prepared = prepareDwTargets(points, targets, C, DW_HYPER);
      const xy = tf.tensor2d(points.xy, [P, 2]);
      expectClose(decodeLtrb(xy, tf.squeeze(out.ltrb, [0])), OUT.pred_boxes_xyxy, 'pred boxes');
      const fwd = dwForward(out, xy, prepared);
      const w = dwWeights(fwd, prepared);
      expectClose(fwd.score, OUT['joint_score s = sigmoid(cls)*sigmoid(ctr)'], 's');
      expectClose(fwd.giouLoss, OUT['giou_loss_pred_vs_gt (all pairs)'], 'giou loss');
      expectClose(w.iouInBag, OUT['iou_pred_vs_gt (0 outside gt box)'], 'iou');
      expectClose(w.pCls, OUT['p_cls = s[:, gt_label]'], 'p_cls');
      expectClose(w.pLoc, OUT['p_loc = exp(-5*giou_loss)'], 'p_loc');
      expectClose(w.t, OUT['t = p_cls*p_loc'], 't');
      expectClose(w.wPos, OUT['w_pos (= w_reg)'], 'w_pos');
      expectClose(tf.sum(w.wPos, 1), OUT['w_pos column sums per gt'], 'w_pos sums');
      expectClose(w.pNeg, OUT['P_neg (P x C)'], 'P_neg');
      expectClose(negativeWeights(w.pNeg, fwd.score, 2), OUT['w_neg = P_neg*s^2 (P x C)'], 'w_neg');
      expectClose(w.negAvgFactor, OUT['neg_avg_factor = sum(1-P_neg)'], 'N_neg');
      const terms = dwLossTerms(out, fwd, prepared, w);
      expectClose(terms.sumPos, OUT['sum_pos_cls_terms (before 0.25 and /num_gt)'], 'S_pos');
      expectClose(terms.sumLoc, OUT['sum_loc_terms (before 0.25 and /num_gt)'], 'S_loc');
      expectClose(terms.sumNeg, OUT['sum_neg_terms (before /neg_avg_factor)'], 'S_neg');
      expect(Math.max(targets[0]!.labels.length, 1)).toBe(OUT['pos_avg_factor = max(num_gt,1)']);
      const L = OUT.losses;
      expectClose(terms.clsPos, L.loss_cls_pos, 'loss_cls_pos');
      expectClose(terms.loc, L.loss_loc, 'loss_loc');
      expectClose(terms.clsNeg, L.loss_cls_neg, 'loss_cls_neg');
      expectClose(terms.total, L.total, 'total');
      // The batch API gives the same numbers.
      const loss = dwLoss(out, points, targets);
      expectClose(loss.clsPos, L.loss_cls_pos, 'dwLoss clsPos');
      expectClose(loss.loc, L.loss_loc, 'dwLoss loc');
      expectClose(loss.clsNeg, L.loss_cls_neg, 'dwLoss clsNeg');
      expectClose(loss.total, L.total, 'dwLoss total');
      disposeDwTargets(prepared);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reproduces the paper-literal alternative with the same building blocks', () => {
    tf.tidy(() => {
      const out = outputs();
      const prepared = prepareDwTargets(points, targets, C, DW_HYPER);
      const fwd = dwForward(out, tf.tensor2d(points.xy, [P, 2]), prepared);
      const w = dwWeights(fwd, prepared);
      const ALT = OUT.paper_literal_alternative_NOT_reference;
      // t = s·IoU⁵ with the true IoU, μ 5 in both places, the in-box mask as the only prior.
      const t = consistency(w.pCls, tf.pow(w.iouInBag, 5));
      const wPos = positiveWeights(t, prepared.inside, { muNum: 5, muDen: 5, weightEps: 1e-12 });
      expectClose(wPos, ALT.w_pos, 'paper w_pos');
      const wNeg = tf.mul(paperNegativeCurve(w.iouInBag, 2), tf.square(w.pCls)).dataSync();
      const inside = prepared.inside.dataSync();
      const expected = flat(ALT['w_neg_for_gt_class (P x G)']);
      const inBag = (k: number) => inside[k] === 1;
      expect(expected.every((e, k) => Number.isNaN(e) === !inBag(k))).toBe(true);
      expectClose(
        wNeg.filter((_, k) => inBag(k)),
        Array.from(expected).filter((_, k) => inBag(k)),
        'paper w_neg',
      );
    });
  });
});
