import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../src-main/imaging/header';
import { UnreadableImageError } from '../../../src-main/imaging/unreadable';

const FIXTURES = path.resolve(__dirname, '../../fixtures/datasets');
const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('readImageHeader on hand-made headers', () => {
  it('reads a JPEG frame size and the EXIF orientation, swapping axes for a quarter turn', () => {
    const jpeg = bytes(
      [0xff, 0xd8],
      // APP1 Exif, big-endian TIFF, one IFD entry: Orientation (0x0112), SHORT, 1, value 6.
      [0xff, 0xe1, 0x00, 0x22],
      'Exif\0\0MM\0*',
      [0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0],
      // SOF0: precision 8, height 100, width 200, one component.
      [0xff, 0xc0, 0x00, 0x0b, 8, 0, 100, 0, 200, 1, 1, 0x11, 0],
      [0xff, 0xda],
    );
    expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 100, height: 200, orientation: 6 });
  });

  it('reads PNG and little-endian TIFF sizes', () => {
    const png = bytes(
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
      'IHDR',
      [0, 0, 1, 0, 0, 0, 0, 3],
    );
    expect(readImageHeader(png)).toMatchObject({ format: 'png', width: 256, height: 3 });
    const tiff = bytes(
      'II*\0',
      [8, 0, 0, 0, 2, 0],
      [0, 1, 3, 0, 1, 0, 0, 0, 40, 0, 0, 0],
      [1, 1, 4, 0, 1, 0, 0, 0, 30, 0, 0, 0],
    );
    expect(readImageHeader(tiff)).toEqual({ format: 'tiff', width: 40, height: 30, orientation: 1 });
  });

  it('refuses an empty file, text, and a JPEG cut before its frame header', () => {
    expect(() => readImageHeader(new Uint8Array())).toThrow('empty file (0 bytes)');
    expect(() => readImageHeader(bytes('hello, I am not a picture'))).toThrow(/not an image/);
    expect(() => readImageHeader(bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF'))).toThrow(/truncated/);
    expect(() => readImageHeader(bytes('GIF89a'))).toThrow(UnreadableImageError);
  });
});

describe('readImageHeader agrees with sharp', () => {
  const photo = path.join(FIXTURES, 'cards/images/cam_image1.jpg');

  it.each([
    ['jpeg', {}],
    ['png', {}],
    ['webp', {}],
    ['webp', { lossless: true, effort: 0 }],
    ['tiff', {}],
  ] as const)('on %s %j, as stored and with orientation 6', async (format, options) => {
    for (const orientation of [undefined, 6] as const) {
      let pipeline = sharp(photo);
      if (orientation) pipeline = pipeline.withMetadata({ orientation });
      const buf = await pipeline[format](options).toBuffer();
      const meta = await sharp(buf).metadata();
      expect(readImageHeader(buf)).toEqual({
        format,
        width: meta.autoOrient.width,
        height: meta.autoOrient.height,
        orientation: meta.orientation ?? 1,
      });
    }
  });

  it('on every fixture photo', async () => {
    for (const set of ['bccd', 'cards']) {
      const dir = path.join(FIXTURES, set, 'images');
      for (const name of readdirSync(dir)) {
        const buf = readFileSync(path.join(dir, name));
        const meta = await sharp(buf).metadata();
        expect(readImageHeader(buf), name).toMatchObject({
          width: meta.autoOrient.width,
          height: meta.autoOrient.height,
        });
      }
    }
  });
});
