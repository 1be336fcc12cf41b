// Damaged image files as they turn up in real datasets, made from the fixture photos.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const CARDS = path.resolve(__dirname, '../../fixtures/datasets/cards/images');

/** A baseline 378 × 504 JPEG of the fixtures (44,698 bytes, 16 × 16 blocks). */
export const photoJpeg = (): Buffer => readFileSync(path.join(CARDS, 'IMG_2603.JPG'));

/** The photo without its last `n` bytes: 20 is what the public dataset's damaged file lacks. */
export const jpegShortBy = (n: number): Buffer => {
  const full = photoJpeg();
  return full.subarray(0, full.length - n);
};

/** The photo with only the first `fraction` of its bytes: most of the picture is gone. */
export const jpegCutTo = (fraction: number): Buffer => {
  const full = photoJpeg();
  return full.subarray(0, Math.floor(full.length * fraction));
};

/** A small, valid PNG whose header then claims `width` × `height` pixels (the decompression-bomb shape). */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp(photoJpeg()).resize(32).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  return png;
}

/** A PNG missing its last 20 bytes (the end of its image data and its IEND chunk). */
export async function pngShortBy(n: number): Promise<Buffer> {
  const png = await sharp(photoJpeg()).png().toBuffer();
  return png.subarray(0, png.length - n);
}
