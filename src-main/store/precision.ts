import type { BoxXYWH } from '../shared/api/project';

/**
 * Box coordinates are stored to 1/1000 of a pixel. Far below what anyone can draw, and it makes every
 * export → import round trip exact: each format's rounding error is much smaller than half a step, so
 * quantizing again on import lands on the very number that was exported.
 */
export const COORDINATE_STEP = 1000;

export function quantize(v: number): number {
  return Math.round(v * COORDINATE_STEP) / COORDINATE_STEP;
}

export function quantizeBox<B extends BoxXYWH>(b: B): B {
  return { ...b, x: quantize(b.x), y: quantize(b.y), w: quantize(b.w), h: quantize(b.h) };
}
