/**
 * The rules every box obeys, wherever it is made or changed: the canvas while drawing and dragging,
 * the Annotate state when pasting, the box service before saving and the store when writing. Pure:
 * image pixels in, image pixels out (BoxXYWH: top-left corner, width and height).
 */
import type { BoxXYWH } from './api/project';

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/**
 * Box coordinates are stored to 1/1000 of a pixel. Far below what anyone can draw, and it makes every
 * export → import round trip exact: each format's rounding error is much smaller than half a step, so
 * quantizing again on import lands on the very number that was exported.
 */
export const COORDINATE_STEP = 1000;

/** The smallest box the editor makes, in image pixels on each side: a smaller drag is a click. */
export const MIN_BOX_SIZE = 2;

export function quantize(v: number): number {
  return Math.round(v * COORDINATE_STEP) / COORDINATE_STEP;
}

export function quantizeBox<B extends BoxXYWH>(b: B): B {
  return { ...b, x: quantize(b.x), y: quantize(b.y), w: quantize(b.w), h: quantize(b.h) };
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** A point held inside the image (a drag that leaves the image keeps drawing along its edge). */
export function clampPoint(p: Point, size: Size): Point {
  return { x: clamp(p.x, 0, size.width), y: clamp(p.y, 0, size.height) };
}

/** The box between two corners, in any order, inside the image. */
export function boxFromCorners(a: Point, b: Point, size: Size): BoxXYWH {
  const p = clampPoint(a, size);
  const q = clampPoint(b, size);
  return { x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y) };
}

/** Whether a drawn or resized box is a box at all (not a click or a sliver). */
export function isBigEnough(b: Pick<BoxXYWH, 'w' | 'h'>): boolean {
  return b.w >= MIN_BOX_SIZE && b.h >= MIN_BOX_SIZE;
}

/**
 * A box clipped to the image bounds (dragging past the edge is normal); null when nothing of it is
 * left inside, or it is thinner than the stored precision.
 */
export function clipToImage(b: BoxXYWH, size: Size): BoxXYWH | null {
  const x1 = Math.max(0, b.x);
  const y1 = Math.max(0, b.y);
  const x2 = Math.min(size.width, b.x + b.w);
  const y2 = Math.min(size.height, b.y + b.h);
  const w = x2 - x1;
  const h = y2 - y1;
  if (!(quantize(w) > 0 && quantize(h) > 0)) return null;
  return { x: x1, y: y1, w, h };
}

/**
 * A box moved, not clipped, to lie inside the image, keeping its size (shrunk only when larger than
 * the image): a box dragged to the edge stops there, and a box pasted from a larger image fits.
 */
export function moveInside<B extends BoxXYWH>(b: B, size: Size): B {
  const w = Math.min(b.w, size.width);
  const h = Math.min(b.h, size.height);
  return { ...b, w, h, x: clamp(b.x, 0, size.width - w), y: clamp(b.y, 0, size.height - h) };
}

/**
 * A box after its corners were dragged (by a resize handle): clipped to the image and at least
 * MIN_BOX_SIZE on each side, growing away from the image edge when it must grow.
 */
export function resizedBox(b: BoxXYWH, size: Size): BoxXYWH {
  const x1 = clamp(b.x, 0, size.width);
  const y1 = clamp(b.y, 0, size.height);
  const x2 = clamp(b.x + b.w, 0, size.width);
  const y2 = clamp(b.y + b.h, 0, size.height);
  const w = Math.min(Math.max(x2 - x1, MIN_BOX_SIZE), size.width);
  const h = Math.min(Math.max(y2 - y1, MIN_BOX_SIZE), size.height);
  return { x: Math.min(x1, size.width - w), y: Math.min(y1, size.height - h), w, h };
}
