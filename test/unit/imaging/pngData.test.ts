import fc from 'fast-check';
import zlib from 'node:zlib';
import sharp, { type PngOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngDataIntact } from '../../../src-main/imaging/pngData';
import { photoJpeg, pngClaiming, pngShortBy } from './damagedImages';

/** A PNG of `width` × `height` noise in the given layout, made by libvips. */
async function png(width: number, height: number, channels: 1 | 2 | 3 | 4, opts: PngOptions = {}) {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels } }).png(opts).toBuffer();
}

const strictDecodes = (buf: Buffer) =>
  sharp(buf, { failOn: 'error' })
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    );

describe('pngDataIntact', () => {
  it('passes PNGs of every layout: grey, grey+alpha, RGB, RGBA, palette, 1 to 16 bits, interlaced, odd sizes', async () => {
    const cases = [
      await png(33, 77, 3),
      await png(1, 1, 4),
      await png(7, 3, 1),
      await png(64, 48, 2),
      await png(97, 41, 3, { progressive: true }),
      await png(5, 9, 1, { progressive: true }),
      await png(40, 30, 3, { palette: true, colours: 16 }),
      await png(40, 30, 3, { palette: true, colours: 2 }),
      await sharp(await png(20, 10, 3))
        .toColourspace('rgb16')
        .png()
        .toBuffer(),
      await sharp(photoJpeg()).png().toBuffer(),
    ];
    for (const [i, p] of cases.entries()) expect(pngDataIntact(p), `case ${i}`).toBe(true);
  });

  it('does not pass a cut PNG, a flipped byte, re-checksummed bad data, or a header claiming other sizes', async () => {
    expect(pngDataIntact(await pngShortBy(20))).toBe(false);
    expect(pngDataIntact(await pngClaiming(30000, 30000))).toBe(false);
    const good = await png(33, 77, 3);
    const flipped = Buffer.from(good);
    flipped[good.length - 30] = flipped[good.length - 30]! ^ 0x01;
    expect(pngDataIntact(flipped)).toBe(false);
    // Image data replaced by a valid zlib stream one row short, with a correct CRC: still refused.
    const idat = good.indexOf('IDAT');
    const len = good.readUInt32BE(idat - 4);
    const short = zlib.deflateSync(Buffer.alloc(76 * (1 + 33 * 3)));
    const chunk = Buffer.alloc(12 + short.length);
    chunk.writeUInt32BE(short.length, 0);
    chunk.write('IDAT', 4, 'latin1');
    short.copy(chunk, 8);
    chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + short.length)), 8 + short.length);
    const rebuilt = Buffer.concat([good.subarray(0, idat - 4), chunk, good.subarray(idat + 8 + len)]);
    expect(pngDataIntact(rebuilt)).toBe(false);
  });

  it('never passes a PNG that libvips would refuse (any bytes flipped, cut or dropped)', async () => {
    const base = await png(23, 17, 3, { compressionLevel: 1 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat({ max: base.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }), {
          maxLength: 3,
        }),
        fc.nat({ max: base.length }),
        async (flips, keep) => {
          const b = Buffer.from(base.subarray(0, Math.max(8, keep)));
          for (const f of flips) if (f.at < b.length) b[f.at]! ^= f.xor;
          if (pngDataIntact(b)) expect(await strictDecodes(b)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
