import { describe, expect, it } from 'vitest';
import { boxIou, IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../../src-main/eval';
import { linspace } from '../../../src-main/eval/params';

describe('COCO thresholds', () => {
  it('builds the IoU thresholds exactly as np.linspace(.5, .95, 10) does', () => {
    // Printed by numpy: the ninth is not 0.9, and pycocotools compares IoUs against these values.
    expect(IOU_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  });

  it('builds the 101 recall thresholds exactly as np.linspace(0, 1, 101) does', () => {
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    // The values numpy prints that differ from i / 100.
    const odd: Record<number, number> = {
      35: 0.35000000000000003,
      41: 0.41000000000000003,
      47: 0.47000000000000003,
      57: 0.5700000000000001,
      69: 0.6900000000000001,
      70: 0.7000000000000001,
      82: 0.8200000000000001,
      83: 0.8300000000000001,
      94: 0.9400000000000001,
      95: 0.9500000000000001,
    };
    RECALL_THRESHOLDS.forEach((r, i) => expect(r).toBe(odd[i] ?? i / 100));
  });

  it('ends linspace on the stop value', () => {
    expect(linspace(0, 1, 3)).toEqual([0, 0.5, 1]);
    expect(linspace(2, 3, 1)).toEqual([2]);
  });
});

describe('boxIou', () => {
  it('is intersection over union for ordinary boxes', () => {
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10], false)).toBe(1);
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10], false)).toBeCloseTo(50 / 150, 15);
    expect(boxIou([20, 0, 10, 8], [20, 0, 10, 10], false)).toBe(0.8);
  });

  it('is zero for boxes that only touch, and for empty boxes', () => {
    expect(boxIou([0, 0, 10, 10], [10, 0, 10, 10], false)).toBe(0);
    expect(boxIou([0, 0, 0, 10], [0, 0, 10, 10], false)).toBe(0);
  });

  it("divides by the detection's own area for a crowd region", () => {
    expect(boxIou([10, 10, 10, 10], [0, 0, 100, 100], true)).toBe(1);
    expect(boxIou([90, 90, 20, 20], [0, 0, 100, 100], true)).toBe(0.25);
  });
});
