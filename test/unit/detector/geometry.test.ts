// Point grid, box encodings, IoU/GIoU and the centre prior (SPEC §1.3, §2, §5.4; vectors.json d_giou,
// center_prior_examples and the c_dw_end_to_end point inputs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLtrb, encodeLtrb } from '../../../src-main/detector/boxes';
import { candidateBags, gaussianPrior, insideBoxMask } from '../../../src-main/detector/centerPrior';
import { alignedOverlaps, boxIouXYXY, giouLoss } from '../../../src-main/detector/iou';
import { featureMapSizes, makePointGrid, pointGridForInput } from '../../../src-main/detector/points';
import { regressionQuality } from '../../../src-main/detector/dwWeights';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, flat, useBackend, vectors } from './helpers';
import type { Json } from './helpers';

const V: Json = vectors();

describe('point grid', () => {
  const IN = V.c_dw_end_to_end.inputs;

  it('matches the reference order, positions, strides and levels', () => {
    const g = pointGridForInput(64, 64, IN.strides);
    expect(g.levelSizes.map((z) => [z.height, z.width])).toEqual(IN.featmap_sizes_hw);
    expect(g.count).toBe(84);
    expect(g.levelStarts).toEqual([0, 64, 80, 84]);
    expect(Array.from(g.xy)).toEqual(Array.from(flat(IN.points_xy)));
    expect(Array.from(g.stride)).toEqual(IN.point_stride);
    expect(Array.from(g.level)).toEqual(IN.point_level);
  });

  it('sizes levels from the padded input with ceil arithmetic', () => {
    // 1333 × 800 pads to 1344 × 800; P6 and P7 are ⌈·/2⌉ of the level below.
    const sizes = featureMapSizes(800, 1333, [8, 16, 32, 64, 128]);
    expect(sizes.map((z) => [z.height, z.width])).toEqual([
      [100, 168],
      [50, 84],
      [25, 42],
      [13, 21],
      [7, 11],
    ]);
    expect(featureMapSizes(65, 30, [8, 16, 32, 64, 128]).map((z) => [z.height, z.width])).toEqual([
      [12, 4],
      [6, 2],
      [3, 1],
      [2, 1],
      [1, 1],
    ]);
    const g = makePointGrid([{ height: 2, width: 3 }], [16]);
    expect(Array.from(g.xy)).toEqual([8, 8, 24, 8, 40, 8, 8, 24, 24, 24, 40, 24]);
  });
});

describe('centre prior and in-box mask (pure JS)', () => {
  it('reproduces center_prior_examples', () => {
    const ex = V['center_prior_examples (isotropic distance in stride units, sigma=1.11)'];
    for (const [key, value] of Object.entries(ex)) {
      const d = parseFloat(key);
      expectClose([gaussianPrior(d, 1.11)], value, key);
    }
  });

  it('is strict at the border and masks the prior; the hard variant thresholds at 0.3', () => {
    // One level, stride 8: points x = 4, 12, 20, 28 on the row y = 4.
    const g = makePointGrid([{ height: 1, width: 4 }], [8]);
    const box = [4, 0, 20, 8]; // x = 4 and x = 20 lie on the border: outside
    expect(Array.from(insideBoxMask(g, box))).toEqual([0, 1, 0, 0]);
    const soft = candidateBags(g, [0, 0, 32, 8], { sigma: 1.11, soft: true, hardThreshold: 0.3 });
    // centre (16, 4): distances 1.5, 0.5, 0.5, 1.5 strides
    expectClose(
      soft.prior,
      [1.5, 0.5, 0.5, 1.5].map((d) => gaussianPrior(d, 1.11)),
      'soft',
    );
    const hard = candidateBags(g, [0, 0, 32, 8], { sigma: 1.11, soft: false, hardThreshold: 0.3 });
    expect(Array.from(hard.prior)).toEqual([1, 1, 1, 1]); // 1.5 strides → 0.401 > 0.3
    const far = candidateBags(g, [0, 0, 40, 8], { sigma: 1.11, soft: false, hardThreshold: 0.3 });
    // centre 20: distances 2, 1, 0, 1 strides → 0.197, 0.666, 1, 0.666
    expect(Array.from(far.prior)).toEqual([0, 1, 1, 1]);
    expect(Array.from(candidateBags(g, [], { sigma: 1.11, soft: true, hardThreshold: 0.3 }).prior)).toEqual(
      [],
    );
  });
});

describe.each(BACKENDS)('IoU and GIoU on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('reproduces every d_giou pair: IoU, GIoU, 1 − GIoU and p_loc', () => {
    const pairs = V.d_giou.pairs as Json[];
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.tensor2d(
        pairs.flatMap((p) => p.pred),
        [pairs.length, 4],
      );
      const b = tf.tensor2d(
        pairs.flatMap((p) => p.gt),
        [pairs.length, 4],
      );
      const { iou, giou } = alignedOverlaps(a, b, V.d_giou.eps);
      expectClose(
        iou,
        pairs.map((p) => p.iou),
        'iou',
      );
      expectClose(
        giou,
        pairs.map((p) => p.giou),
        'giou',
      );
      const loss = giouLoss(a, b);
      expectClose(
        loss,
        pairs.map((p) => p['giou_loss=1-giou']),
        'loss',
      );
      expectClose(
        regressionQuality(loss, 5),
        pairs.map((p) => p['dw_p_loc=exp(-5*giou_loss)']),
        'p_loc',
      );
    });
    expect(tf.memory().numTensors).toBe(before);
    pairs.forEach((p) => {
      const boxes = Float32Array.from([...p.pred, ...p.gt]);
      expectClose([boxIouXYXY(boxes, 0, 1)], p.iou, `js iou ${p.case}`);
    });
  });

  it('broadcasts [P,1,4] against [1,G,4] and round-trips ltrb', () => {
    tf.tidy(() => {
      const a = tf.tensor3d([0, 0, 10, 10, 5, 5, 15, 15], [2, 1, 4]);
      const b = tf.tensor3d([0, 0, 10, 10, 20, 0, 30, 10, 2, 2, 8, 8], [1, 3, 4]);
      const { iou } = alignedOverlaps(a, b);
      expect(iou.shape).toEqual([2, 3]);
      expectClose(iou, [1, 0, 0.36, 25 / 175, 0, 9 / 127], 'iou');
      const xy = tf.tensor2d([4, 4, 12, 20], [2, 2]);
      const boxes = tf.tensor2d([0, 1, 9, 7, 10, 10, 30, 21], [2, 4]);
      const ltrb = encodeLtrb(xy, boxes);
      expectClose(ltrb, [4, 3, 5, 3, 2, 10, 18, 1], 'encode');
      expectClose(decodeLtrb(xy, ltrb), boxes.dataSync(), 'decode');
    });
  });
});
