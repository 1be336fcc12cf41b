import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { openImage } from './decode';
import { cannotDecode } from './unreadable';

export const THUMBNAIL_SIZE = 256;

/** A WebP thumbnail: long side THUMBNAIL_SIZE, never enlarged, turned upright. */
export function writeThumbnail(src: string, dest: string, size = THUMBNAIL_SIZE): Promise<void> {
  return writeDerived(src, dest, (image) =>
    image.resize(size, size, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }),
  );
}

/**
 * A full-size PNG for images a browser cannot show (TIFF), turned upright; lossless, and with light
 * compression so it is quick to make on first view.
 */
export function writeDisplayCopy(src: string, dest: string): Promise<void> {
  return writeDerived(src, dest, (image) => image.png({ compressionLevel: 1 }));
}

/**
 * Writes beside and renames into place, so a reader never sees half a file. A file that does not
 * decode is an UnreadableImageError.
 */
async function writeDerived(src: string, dest: string, pipeline: (image: Sharp) => Sharp): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await pipeline(await openImage(src)).toFile(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw cannotDecode(e);
  }
}
