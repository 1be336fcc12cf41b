import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBoxInImage } from '../../../src-main/formats/boxCheck';
import { exportFileNames } from '../../../src-main/formats/exportDataset';
import {
  normToXywh,
  polygonBounds,
  xywhToNorm,
  xywhToXyxy,
  xyxyToXywh,
} from '../../../src-main/formats/geometry';
import { resolveInside } from '../../../src-main/formats/safePath';

describe('box encodings', () => {
  it('converts between XYWH, XYXY and normalized centre boxes', () => {
    expect(xyxyToXywh({ x1: 10, y1: 20, x2: 30, y2: 60 })).toEqual({ x: 10, y: 20, w: 20, h: 40 });
    expect(xywhToXyxy({ x: 10, y: 20, w: 20, h: 40 })).toEqual({ x1: 10, y1: 20, x2: 30, y2: 60 });
    const size = { width: 200, height: 100 };
    expect(xywhToNorm({ x: 10, y: 20, w: 20, h: 40 }, size)).toEqual({ cx: 0.1, cy: 0.4, w: 0.1, h: 0.4 });
    expect(normToXywh({ cx: 0.1, cy: 0.4, w: 0.1, h: 0.4 }, size)).toEqual({ x: 10, y: 20, w: 20, h: 40 });
    expect(polygonBounds([3, 4, 9, 1, 5, 8])).toEqual({ x: 3, y: 1, w: 6, h: 7 });
  });
});

describe('checkBoxInImage', () => {
  const size = { width: 100, height: 50 };
  it('keeps a box inside and clips one that reaches up to 1 px past an edge', () => {
    expect(checkBoxInImage({ x: 0, y: 0, w: 100, h: 50 }, size, 'f', 'w')).toEqual({
      box: { x: 0, y: 0, w: 100, h: 50 },
      clipped: false,
    });
    expect(checkBoxInImage({ x: -0.5, y: 10, w: 101.5, h: 5 }, size, 'f', 'w')).toEqual({
      box: { x: 0, y: 10, w: 100, h: 5 },
      clipped: true,
    });
    // Float noise is clipped quietly.
    expect(checkBoxInImage({ x: 50, y: 0, w: 50.0000000001, h: 5 }, size, 'f', 'w').clipped).toBe(false);
  });

  it('refuses boxes outside the image or without area, naming the place', () => {
    expect(() => checkBoxInImage({ x: 90, y: 0, w: 20, h: 5 }, size, 'a.json', 'annotations[3]')).toThrow(
      'a.json: annotations[3]: box [x=90, y=0, w=20, h=5] lies outside the 100×50 image',
    );
    expect(() => checkBoxInImage({ x: 0, y: -3, w: 5, h: 5 }, size, 'f', 'w')).toThrow(/outside/);
    expect(() => checkBoxInImage({ x: 0, y: 0, w: 0, h: 5 }, size, 'f', 'w')).toThrow(
      'f: w: box has width 0',
    );
    expect(() => checkBoxInImage({ x: 100, y: 0, w: 0.5, h: 5 }, size, 'f', 'w')).toThrow(/no area inside/);
  });
});

describe('resolveInside', () => {
  const root = path.resolve('/data/set');
  it('resolves relative paths, with either separator', () => {
    expect(resolveInside(root, 'a/b.jpg', 'f', 'w')).toBe(path.join(root, 'a', 'b.jpg'));
    expect(resolveInside(root, 'a\\b.jpg', 'f', 'w')).toBe(path.join(root, 'a', 'b.jpg'));
    expect(resolveInside(root, './x/../c.jpg', 'f', 'w')).toBe(path.join(root, 'c.jpg'));
  });

  it('refuses a path that leaves the folder, an absolute path and a NUL', () => {
    expect(() => resolveInside(root, '../../etc/passwd', 'ann.json', 'images[0].file_name')).toThrow(
      `ann.json: images[0].file_name: "../../etc/passwd" leaves the dataset folder ${root}`,
    );
    expect(() => resolveInside(root, '..\\..\\secret.jpg', 'f', 'w')).toThrow(/leaves the dataset folder/);
    expect(() => resolveInside(root, '/etc/passwd', 'f', 'w')).toThrow(/is an absolute path/);
    expect(() => resolveInside(root, 'C:\\x.jpg', 'f', 'w')).toThrow(/is an absolute path/);
    expect(() => resolveInside(root, 'a\0.jpg', 'f', 'w')).toThrow(/NUL/);
  });
});

describe('exportFileNames', () => {
  it('keeps names, and renames a clash of stems (ignoring case and extension) with the id', () => {
    const names = exportFileNames([
      { id: 1, fileName: 'a.jpg' },
      { id: 2, fileName: 'A.png' },
      { id: 3, fileName: 'b.jpg' },
      { id: 4, fileName: 'a.jpg' },
    ]);
    expect([...names.values()]).toEqual(['a.jpg', 'A_2.png', 'b.jpg', 'a_4.jpg']);
  });
});
