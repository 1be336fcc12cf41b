import { describe, expect, it } from 'vitest';
import { levelExtent, levelMax } from '../../../src-renderer/lib/state/levelExtent';

// A 640 × 480 photo letterboxed into a 320 px input: 0.5 network pixels per image pixel, so it covers
// 320 × 240 network pixels from the top-left, and the bottom quarter of the input is padding.
const result = {
  scale: 0.5,
  levels: [
    { stride: 8, height: 40, width: 40, offset: 0 },
    { stride: 128, height: 3, width: 3, offset: 1600 },
  ],
};
const photo = { width: 640, height: 480 };

describe('FPN levels mapped back through the letterbox', () => {
  it('spans the image’s own points, a cut last row included', () => {
    expect(levelExtent(result, 0, photo)).toEqual({ cols: 40, rows: 30, pointCols: 40, pointRows: 30 });
    // 240 / 128 = 1.875 rows: the second row's points (centre 192) still look at the image.
    expect(levelExtent(result, 1, photo)).toEqual({ cols: 2.5, rows: 1.875, pointCols: 2, pointRows: 2 });
    // A portrait image: the padding is on the right.
    expect(levelExtent({ ...result, scale: 320 / 480 }, 0, { width: 300, height: 480 })).toMatchObject({
      cols: 25,
      rows: 40,
    });
  });

  it('takes a level’s maximum over the image, not over the padding', () => {
    const values = new Array<number>(1609).fill(0.1);
    values[35 * 40 + 3] = 9; // level 0, row 35: in the padding below the photo
    values[29 * 40 + 39] = 0.7; // level 0, the photo's last row and column
    values[1600 + 2] = 5; // level 1, column 2: padding on the right
    values[1600 + 3 + 1] = 0.4; // level 1, row 1, column 1: on the photo
    expect(levelMax(result, values, 0, photo)).toBe(0.7);
    expect(levelMax(result, values, 1, photo)).toBe(0.4);
  });
});
