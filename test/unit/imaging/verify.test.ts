import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeOptions, MAX_IMAGE_PIXELS } from '../../../src-main/imaging/decodeOptions';
import { letterbox } from '../../../src-main/imaging/letterbox';
import { writeThumbnail } from '../../../src-main/imaging/thumbnail';
import { UnreadableImageError } from '../../../src-main/imaging/unreadable';
import { verifyImageBuffer, verifyImageFile } from '../../../src-main/imaging/verify';
import { bmpFromRgb } from './bmpFile';
import { jpegCutTo, jpegShortBy, photoJpeg, pngClaiming, pngShortBy } from './damagedImages';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Uint8Array | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('verifyImageFile: every pixel decoded once', () => {
  it('passes whole images of every format', async () => {
    const photo = photoJpeg();
    const raw = await sharp(photo).raw().toBuffer({ resolveWithObject: true });
    for (const [name, content] of [
      ['a.jpg', photo],
      ['a.png', await sharp(photo).png().toBuffer()],
      ['a.webp', await sharp(photo).webp().toBuffer()],
      ['a.tif', await sharp(photo).tiff().toBuffer()],
      ['a.bmp', bmpFromRgb(raw.info.width, raw.info.height, raw.data)],
    ] as const) {
      expect(await verifyImageFile(file(name, content)), name).toEqual({ status: 'ok' });
    }
  });

  it('takes a JPEG that is only short at its end, with a warning (as browsers and PIL show it)', async () => {
    for (const n of [2, 20, 200]) {
      const v = await verifyImageFile(file(`short${n}.jpg`, jpegShortBy(n)));
      expect(v, `${n} bytes short`).toEqual({
        status: 'warning',
        reason: 'its last bytes are missing; it is shown as browsers show it',
      });
    }
  });

  it('refuses a JPEG cut short in its picture, saying how much is missing', async () => {
    expect(await verifyImageBuffer(jpegCutTo(0.5))).toEqual({
      status: 'refused',
      reason: 'cut short: the bottom 199 of its 504 pixel rows are missing',
    });
    expect(await verifyImageBuffer(jpegCutTo(0.9))).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/^cut short: the bottom \d+ of its 504 pixel rows are missing$/),
    });
  });

  it('refuses a header claiming more pixels than the limit, before decoding anything', async () => {
    expect(MAX_IMAGE_PIXELS).toBe(100_000_000);
    expect(await verifyImageBuffer(await pngClaiming(30000, 30000))).toEqual({
      status: 'refused',
      reason: '30000 × 30000 pixels is more than the limit of 100 megapixels',
    });
    expect(await verifyImageBuffer(await pngClaiming(10000, 10000))).not.toMatchObject({
      reason: expect.stringContaining('limit'),
    });
  });

  it('refuses a cut PNG, a cut WebP, text, an empty and a missing file, with the reason', async () => {
    expect(await verifyImageBuffer(await pngShortBy(20))).toEqual({
      status: 'refused',
      reason: expect.stringMatching(/^damaged or cut short( \(vipspng: libpng read error\))?$/),
    });
    const webp = await sharp(photoJpeg()).webp().toBuffer();
    expect(await verifyImageBuffer(webp.subarray(0, webp.length - 20))).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/^cannot be decoded \(.*webp/),
    });
    expect(await verifyImageFile(file('notes.jpg', 'shopping list'))).toEqual({
      status: 'refused',
      reason: 'not an image (not JPEG, PNG, WebP, TIFF or BMP content)',
    });
    expect(await verifyImageFile(file('empty.png', ''))).toEqual({
      status: 'refused',
      reason: 'empty file (0 bytes)',
    });
    expect(await verifyImageFile(path.join(dir, 'nowhere.jpg'))).toEqual({
      status: 'refused',
      reason: 'file not found',
    });
  });
});

describe('lenient decoding, the same everywhere', () => {
  it('is one set of options: failOn none, under the pixel limit', () => {
    expect(decodeOptions()).toEqual({ failOn: 'none', limitInputPixels: MAX_IMAGE_PIXELS });
  });

  it('letterboxes and thumbnails a JPEG short at its end, as the trainer and the library use them', async () => {
    const short = file('short-train.jpg', jpegShortBy(20));
    const lb = await letterbox(short, 64);
    expect([lb.width, lb.height]).toEqual([48, 64]);
    const whole = await letterbox(file('whole-train.jpg', photoJpeg()), 64);
    // The missing bytes hold the last few blocks of the bottom row: the rest is the same picture.
    const top = 48 * 3 * 56;
    let diff = 0;
    for (let i = 0; i < top; i++) diff += Math.abs(lb.data[i]! - whole.data[i]!);
    expect(diff / top).toBeLessThan(1e-6);

    const thumb = path.join(dir, 'thumbs', 'short.webp');
    await writeThumbnail(short, thumb);
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 192, height: 256 });
  });

  it('letterboxes a BMP too, and names an undecodable file as unreadable', async () => {
    const raw = await sharp(photoJpeg()).raw().toBuffer({ resolveWithObject: true });
    const bmp = file('scan.bmp', bmpFromRgb(raw.info.width, raw.info.height, raw.data));
    expect((await letterbox(bmp, 64)).width).toBe(48);
    const webp = await sharp(photoJpeg()).webp().toBuffer();
    await expect(letterbox(file('cut.webp', webp.subarray(0, 100)), 64)).rejects.toThrow(
      UnreadableImageError,
    );
  });
});
