// vectors.json → e_fcos: FCOS targets and losses on the reference image, both range sets (SPEC §8).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcosHyperForStrides, regressRangesForStrides } from '../../../src-main/detector/dwConfig';
import type { FcosHyper } from '../../../src-main/detector/dwConfig';
import { fcosLoss, fcosLossFromTargets, prepareFcosTargets } from '../../../src-main/detector/fcosLoss';
import { centerSamplingMask, fcosTargets, regressRangeMask } from '../../../src-main/detector/fcosTargets';
import { decodeLtrb } from '../../../src-main/detector/boxes';
import { giouLoss } from '../../../src-main/detector/iou';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, flat, referenceCase, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const E: Json = vectors().e_fcos;
const C = 3;
const RANGE_SETS = ['default_ranges', 'small_ranges'] as const;

function hyperFor(set: (typeof RANGE_SETS)[number]): FcosHyper {
  const ranges = E[set].regress_ranges as Array<[number, number]>;
  return { ...fcosHyperForStrides([8, 16, 32]), regressRanges: ranges };
}

describe('FCOS targets (pure JS)', () => {
  const { points, targets } = referenceCase();
  const boxes = targets[0]!.boxesXYXY;

  it('derives the 3-level mmdet ranges from the strides', () => {
    expect(regressRangesForStrides([8, 16, 32])).toEqual(E.default_ranges.regress_ranges);
    expect(regressRangesForStrides([8, 16, 32, 64, 128])).toEqual([
      [-1, 64],
      [64, 128],
      [128, 256],
      [256, 512],
      [512, 1e8],
    ]);
  });

  it.each(RANGE_SETS)('%s: masks, labels, assigned GT, distances, centerness, positives', (set) => {
    const T = E[set].targets;
    const hyper = hyperFor(set);
    expect(Array.from(centerSamplingMask(points, boxes, 1.5))).toEqual(
      Array.from(flat(T['in_center_region (P x G)'])),
    );
    expect(Array.from(regressRangeMask(points, boxes, hyper.regressRanges))).toEqual(
      Array.from(flat(T['in_regress_range (P x G)'])),
    );
    const t = fcosTargets(points, targets[0]!, C, hyper);
    expect(Array.from(t.labels)).toEqual(T['labels (num_classes = background)']);
    expect(Array.from(t.positives)).toEqual(T.positive_indices);
    const assigned = T['assigned_gt_index (meaningful only for positives)'];
    for (const i of t.positives) expect(t.gtIndex[i]).toBe(assigned[i]);
    expect(Array.from(t.gtIndex).filter((g) => g >= 0)).toHaveLength(t.positives.length);
    expectClose(t.ltrbPixels, T.ltrb_target_pixels, 'ltrb px');
    expectClose(t.ltrbStrides, T['ltrb_target_normalised (/stride)'], 'ltrb /s');
    expectClose(
      Array.from(t.positives).map((i) => t.centerness[i] as number),
      T['centerness_target (positives, in positive_indices order)'],
      'centerness',
    );
  });

  it('rejects a range list that does not match the levels', () => {
    expect(() =>
      fcosTargets(points, targets[0]!, C, { centerRadius: 1.5, regressRanges: [[-1, 1e8]] }),
    ).toThrow(/regress ranges/);
  });
});

describe.each(BACKENDS)('FCOS losses on %s', (backend) => {
  const { points, targets, outputs } = referenceCase();
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it.each(RANGE_SETS)('%s: per-positive GIoU and the three losses', (set) => {
    const Lv = E[set].losses;
    const hyper = hyperFor(set);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const out = outputs();
      const t = fcosTargets(points, targets[0]!, C, hyper);
      expect(t.positives.length).toBe(Lv.num_pos);
      // Per-positive GIoU loss, decoded from normalised distances about the pixel point.
      const pos = Array.from(t.positives);
      const xy = tf.tensor2d(
        pos.flatMap((i) => [points.xy[2 * i]!, points.xy[2 * i + 1]!]),
        [pos.length, 2],
      );
      const s = tf.tensor2d(
        pos.map((i) => points.stride[i]!),
        [pos.length, 1],
      );
      const predN = tf.div(tf.gather(tf.reshape(out.ltrb, [-1, 4]), pos), s);
      const tgtN = tf.tensor2d(
        pos.flatMap((i) => Array.from(t.ltrbStrides.subarray(4 * i, 4 * i + 4))),
        [pos.length, 4],
      );
      expectClose(giouLoss(decodeLtrb(xy, predN), decodeLtrb(xy, tgtN)), Lv.giou_loss_per_positive, 'giou');
      const L = Lv.losses;
      const loss = fcosLossFromTargets(out, points, prepareFcosTargets(points, [t], C), hyper);
      expectClose(loss.cls, L['loss_cls (focal, /num_pos)'], 'cls');
      expectClose(loss.bbox, L['loss_bbox (GIoU*ctr_target, /sum ctr_target)'], 'bbox');
      expectClose(loss.ctr, L['loss_centerness (BCE logits, /num_pos)'], 'ctr');
      expectClose(loss.total, L.total, 'total');
      const viaApi = fcosLoss(out, points, targets, hyper);
      expectClose(viaApi.total, L.total, 'fcosLoss total');
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
