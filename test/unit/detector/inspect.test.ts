// The Inspect view's per-point maps, checked against the reference image's vectors (one GT at a time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcosHyperForStrides } from '../../../src-main/detector/dwConfig';
import { DW_HYPER } from '../../../src-main/detector/dwConfig';
import { inspectAssignment } from '../../../src-main/detector/inspect';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, referenceCase, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const OUT: Json = vectors().c_dw_end_to_end.outputs;
const FCOS: Json = vectors().e_fcos.default_ranges.targets;
const col = (rows: number[][], k: number) => rows.map((r) => r[k]!);

describe.each(BACKENDS)('inspectAssignment on %s', (backend) => {
  const { points, targets, outputs } = referenceCase();
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it.each([0, 1])('GT %i: DW maps and the FCOS assignment, in point order', async (n) => {
    const out = outputs();
    const before = tf.memory().numTensors;
    const maps = await inspectAssignment(
      out,
      points,
      targets[0]!,
      n,
      DW_HYPER,
      fcosHyperForStrides([8, 16, 32]),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(out));
    const label = targets[0]!.labels[n]!;
    expect(maps.label).toBe(label);
    expect(maps.levelStarts).toEqual([0, 64, 80, 84]);
    expectClose(maps.score, col(OUT['joint_score s = sigmoid(cls)*sigmoid(ctr)'], label), 'score');
    expect(Array.from(maps.inside)).toEqual(col(OUT.inside_gt_mask, n));
    expectClose(
      maps.iou.map((v, i) => v * maps.inside[i]!),
      col(OUT['iou_pred_vs_gt (0 outside gt box)'], n),
      'iou in box',
    );
    expectClose(
      maps.centerPrior,
      col(OUT['center_prior (after inside mask) = candidate-bag weight'], n),
      'cp',
    );
    expectClose(maps.wPos, col(OUT['w_pos (= w_reg)'], n), 'w_pos');
    expectClose(maps.pNeg, col(OUT['P_neg (P x C)'], label), 'P_neg');
    expectClose(maps.wNeg, col(OUT['w_neg = P_neg*s^2 (P x C)'], label), 'w_neg');
    expect(Array.from(maps.fcosLabels)).toEqual(FCOS['labels (num_classes = background)']);
    const assigned = FCOS['assigned_gt_index (meaningful only for positives)'];
    const positives: number[] = FCOS.positive_indices;
    const mine = positives.filter((i) => assigned[i] === n);
    expect(Array.from(maps.fcosPositive.keys()).filter((i) => maps.fcosPositive[i])).toEqual(mine);
    const ctr: number[] = FCOS['centerness_target (positives, in positive_indices order)'];
    expectClose(
      mine.map((i) => maps.fcosCenterness[i]!),
      mine.map((i) => ctr[positives.indexOf(i)]!),
      'centerness',
    );
  });

  it('rejects a box index outside the image', async () => {
    const out = outputs();
    await expect(inspectAssignment(out, points, targets[0]!, 2)).rejects.toThrow(/box 2 of 2/);
    tf.dispose(Object.values(out));
  });
});
