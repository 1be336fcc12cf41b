// Box encodings of the three formats. Every type says its convention in its name; BoxXYWH (COCO's,
// and the project's own) is [x, y, w, h] in pixels of the displayed image.
import type { BoxXYWH } from '../shared/api/project';

export type { BoxXYWH };

/** Pascal VOC: corners [xmin, ymin, xmax, ymax] in pixels. */
export interface BoxXYXY {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** YOLO: centre and size as fractions of the image width and height. */
export interface BoxCXCYWHNorm {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

export interface Size {
  width: number;
  height: number;
}

export function xyxyToXywh(b: BoxXYXY): BoxXYWH {
  return { x: b.x1, y: b.y1, w: b.x2 - b.x1, h: b.y2 - b.y1 };
}

export function xywhToXyxy(b: BoxXYWH): BoxXYXY {
  return { x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h };
}

export function normToXywh(b: BoxCXCYWHNorm, size: Size): BoxXYWH {
  const w = b.w * size.width;
  const h = b.h * size.height;
  return { x: b.cx * size.width - w / 2, y: b.cy * size.height - h / 2, w, h };
}

export function xywhToNorm(b: BoxXYWH, size: Size): BoxCXCYWHNorm {
  return {
    cx: (b.x + b.w / 2) / size.width,
    cy: (b.y + b.h / 2) / size.height,
    w: b.w / size.width,
    h: b.h / size.height,
  };
}

/** The smallest BoxXYWH holding every point of a polygon given as [x0, y0, x1, y1, ...]. */
export function polygonBounds(points: readonly number[]): BoxXYWH {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    x1 = Math.min(x1, points[i]!);
    x2 = Math.max(x2, points[i]!);
    y1 = Math.min(y1, points[i + 1]!);
    y2 = Math.max(y2, points[i + 1]!);
  }
  return xyxyToXywh({ x1, y1, x2, y2 });
}
