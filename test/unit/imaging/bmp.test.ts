import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../src-main/imaging/bmp';
import { readImageHeader } from '../../../src-main/imaging/header';
import { UnreadableImageError } from '../../../src-main/imaging/unreadable';
import { bmpFile } from './bmpFile';

describe('decodeBmp', () => {
  it('reads 24-bit rows bottom-up, skipping the row padding', () => {
    // 2×2: top row red, green; bottom row blue, white. The file stores the bottom row first, BGR, and
    // pads each 6-byte row to 8.
    const file = bmpFile({
      width: 2,
      height: 2,
      bitsPerPixel: 24,
      pixels: [255, 0, 0, 255, 255, 255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0],
    });
    expect(decodeBmp(file)).toEqual({
      width: 2,
      height: 2,
      channels: 3,
      data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]),
    });
  });

  it('reads 32-bit top-down rows (negative height) and ignores the unused fourth byte', () => {
    const file = bmpFile({ width: 2, height: -1, bitsPerPixel: 32, pixels: [10, 20, 30, 0, 40, 50, 60, 0] });
    const img = decodeBmp(file);
    expect(img.height).toBe(1);
    expect([...img.data]).toEqual([30, 20, 10, 60, 50, 40]);
  });

  it('looks 8-bit and 1-bit pixels up in the palette', () => {
    const eight = bmpFile({
      width: 3,
      height: 1,
      bitsPerPixel: 8,
      palette: [
        [0, 0, 0],
        [255, 0, 0],
        [0, 128, 255],
      ],
      pixels: [2, 1, 0, 0],
    });
    expect([...decodeBmp(eight).data]).toEqual([0, 128, 255, 255, 0, 0, 0, 0, 0]);

    // 9 pixels, most significant bit first: 1 0 1 0 0 0 0 0 | 1.
    const one = bmpFile({
      width: 9,
      height: 1,
      bitsPerPixel: 1,
      palette: [
        [0, 0, 0],
        [255, 255, 255],
      ],
      pixels: [0b10100000, 0b10000000, 0, 0],
    });
    const grey = [...decodeBmp(one).data].filter((_, i) => i % 3 === 0);
    expect(grey).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 255]);
  });

  it('unpacks 16-bit 5-6-5 and 32-bit alpha pixels through their bit masks', () => {
    const rgb565 = bmpFile({
      width: 2,
      height: 1,
      bitsPerPixel: 16,
      compression: 3,
      masks: [0xf800, 0x07e0, 0x001f],
      pixels: [0x00, 0xf8, 0x1f, 0x00], // red (0xf800), blue (0x001f), little-endian
    });
    expect([...decodeBmp(rgb565).data]).toEqual([255, 0, 0, 0, 0, 255]);

    const argb = bmpFile({
      width: 1,
      height: 1,
      bitsPerPixel: 32,
      compression: 6,
      masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000],
      pixels: [0x00, 0x00, 0xff, 0x80], // 0x80ff0000
    });
    expect(decodeBmp(argb)).toMatchObject({ channels: 4, data: new Uint8Array([255, 0, 0, 128]) });
  });

  it('refuses RLE compression and cut-short pixel data with a reason', () => {
    const rle = bmpFile({
      width: 1,
      height: 1,
      bitsPerPixel: 8,
      compression: 1,
      palette: [[0, 0, 0]],
      pixels: [0],
    });
    expect(() => decodeBmp(rle)).toThrow(UnreadableImageError);
    expect(() => readImageHeader(rle)).toThrow(/RLE/);
    const short = bmpFile({ width: 4, height: 4, bitsPerPixel: 24, pixels: [1, 2, 3] });
    expect(() => decodeBmp(short)).toThrow(/cut short/);
  });

  it('gives the header size of a top-down file as a positive height', () => {
    const file = bmpFile({ width: 2, height: -1, bitsPerPixel: 32, pixels: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(readImageHeader(file)).toEqual({ format: 'bmp', width: 2, height: 1, orientation: 1 });
  });
});
