import { describe, expect, it } from 'vitest';
import { inputCanvas, resizedExtent, resizeRgb } from '../../../src-main/shared/networkInput';

/** The red channel of an RGB result (grey inputs come out with R = G = B). */
const red = (rgb: Uint8Array) => Array.from(rgb.filter((_, i) => i % 3 === 0));

describe('the network input rule', () => {
  it('resizes the long side to the input size, keeping the aspect ratio', () => {
    expect(resizedExtent(640, 480, 320)).toEqual({ width: 320, height: 240 });
    expect(resizedExtent(480, 640, 320)).toEqual({ width: 240, height: 320 });
    expect(resizedExtent(1000, 3, 64)).toEqual({ width: 64, height: 1 });
  });

  it('pads to the next multiple of 32, never past the input size', () => {
    expect(inputCanvas(240, 320, 320)).toEqual([256, 320]);
    expect(inputCanvas(1, 64, 64)).toEqual([32, 64]);
  });

  it('shrinks with a triangle filter as wide as the reduction (hand-checked weights)', () => {
    // 4 → 2: output 0 is centred at 1.0 with weights 0.75, 0.75, 0.25 on pixels 0, 1, 2.
    const out = resizeRgb(Uint8Array.from([0, 100, 200, 50]), 4, 1, 1, 2, 1);
    expect(red(out)).toEqual([Math.round(125 / 1.75), Math.round(212.5 / 1.75)]);
    expect(Array.from(out.slice(0, 3))).toEqual([71, 71, 71]);
  });

  it('enlarges bilinearly between pixel centres, repeating the edge pixels', () => {
    expect(red(resizeRgb(Uint8Array.from([0, 100]), 2, 1, 1, 4, 1))).toEqual([0, 25, 75, 100]);
  });

  it('keeps a flat colour flat at any scale, drops alpha, and keeps size when unscaled', () => {
    const rgba = new Uint8Array(7 * 5 * 4);
    for (let i = 0; i < 35; i++) rgba.set([10, 200, 30, i * 7], i * 4);
    for (const [w, h] of [
      [3, 2],
      [7, 5],
      [16, 11],
    ] as const) {
      const out = resizeRgb(rgba, 7, 5, 4, w, h);
      expect(out.length).toBe(w * h * 3);
      for (let i = 0; i < w * h; i++) expect(Array.from(out.slice(i * 3, i * 3 + 3))).toEqual([10, 200, 30]);
    }
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    expect(resizeRgb(rgb, 5, 3, 3, 5, 3)).toEqual(rgb);
  });

  it('refuses a buffer too short for its size', () => {
    expect(() => resizeRgb(new Uint8Array(10), 4, 4, 3, 2, 2)).toThrow('10 bytes for 4 × 4 × 3');
  });
});
