import { describe, expect, it } from 'vitest';
import {
  boxFromCorners,
  clipToImage,
  isBigEnough,
  MIN_BOX_SIZE,
  moveInside,
  quantize,
  resizedBox,
} from '../../../src-main/shared/geometry';

const image = { width: 640, height: 480 };

describe('box geometry rules', () => {
  it('makes a box from two corners in any order, held inside the image', () => {
    expect(boxFromCorners({ x: 200, y: 180 }, { x: 100, y: 100 }, image)).toEqual({
      x: 100,
      y: 100,
      w: 100,
      h: 80,
    });
    expect(boxFromCorners({ x: -20, y: 470 }, { x: 30, y: 900 }, image)).toEqual({
      x: 0,
      y: 470,
      w: 30,
      h: 10,
    });
  });

  it('calls a drag smaller than MIN_BOX_SIZE on either side a click', () => {
    expect(MIN_BOX_SIZE).toBe(2);
    expect(isBigEnough({ w: 2, h: 2 })).toBe(true);
    expect(isBigEnough({ w: 1.99, h: 50 })).toBe(false);
    expect(isBigEnough({ w: 0, h: 0 })).toBe(false);
  });

  it('clips to the image, and refuses what is outside or thinner than the stored precision', () => {
    expect(clipToImage({ x: -5, y: 470, w: 20, h: 30 }, image)).toEqual({ x: 0, y: 470, w: 15, h: 10 });
    expect(clipToImage({ x: 700, y: 10, w: 5, h: 5 }, image)).toBeNull();
    expect(clipToImage({ x: 639.9999, y: 10, w: 5, h: 5 }, image)).toBeNull();
    expect(quantize(1.23456)).toBe(1.235);
  });

  it('moves a box inside the image keeping its size, shrinking only one larger than the image', () => {
    expect(moveInside({ x: 600, y: -10, w: 100, h: 50 }, image)).toEqual({ x: 540, y: 0, w: 100, h: 50 });
    expect(moveInside({ x: 5, y: 5, w: 1000, h: 50, key: 'k' }, image)).toEqual({
      x: 0,
      y: 5,
      w: 640,
      h: 50,
      key: 'k',
    });
  });

  it('keeps a resized box inside the image and at least MIN_BOX_SIZE on each side', () => {
    expect(resizedBox({ x: 600, y: 400, w: 100, h: 100 }, image)).toEqual({ x: 600, y: 400, w: 40, h: 80 });
    expect(resizedBox({ x: 639.5, y: 10, w: 0.2, h: 0.5 }, image)).toEqual({ x: 638, y: 10, w: 2, h: 2 });
  });
});
