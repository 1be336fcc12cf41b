// Projects for bench:ui: full-HD photos-like JPEGs for Annotate, and boxes in bulk.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../src-main/shared/prng';

export const PHOTO_WIDTH = 1920;
export const PHOTO_HEIGHT = 1080;

/**
 * `count` 1920×1080 JPEGs (quality 85) with smooth colour fields and grain, so they encode and decode
 * at the size and cost of real photos (a few hundred kB each) and each has its own content hash.
 */
export async function writePhotos(dir: string, count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const rand = mulberry32(7);
  const raw = Buffer.alloc(PHOTO_WIDTH * PHOTO_HEIGHT * 3);
  for (let n = 0; n < count; n++) {
    const phase = n * 0.7;
    for (let y = 0; y < PHOTO_HEIGHT; y++) {
      for (let x = 0; x < PHOTO_WIDTH; x++) {
        const i = (y * PHOTO_WIDTH + x) * 3;
        const grain = (rand() - 0.5) * 24;
        raw[i] = 128 + 90 * Math.sin(x / 97 + phase) + grain;
        raw[i + 1] = 128 + 90 * Math.sin(y / 61 - phase) + grain;
        raw[i + 2] = 128 + 90 * Math.sin((x + y) / 143 + 2 * phase) + grain;
      }
    }
    const file = path.join(dir, `photo_${String(n).padStart(3, '0')}.jpg`);
    await sharp(raw, { raw: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

/** `count` boxes of 16–136 px scattered over a full-HD image, classes drawn from `classIds`. */
export function scatteredBoxes(count: number, classIds: number[], seed: number) {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const w = 16 + Math.floor(rand() * 120);
    const h = 16 + Math.floor(rand() * 120);
    return {
      classId: classIds[Math.floor(rand() * classIds.length)]!,
      x: Math.floor(rand() * (PHOTO_WIDTH - w)),
      y: Math.floor(rand() * (PHOTO_HEIGHT - h)),
      w,
      h,
    };
  });
}
