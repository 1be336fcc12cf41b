import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openImage } from './decode';
import { UnreadableImageError } from './unreadable';

export const THUMBNAIL_SIZE = 256;

/**
 * Writes a WebP thumbnail (long side THUMBNAIL_SIZE, never enlarged). It is written beside and renamed
 * into place, so a reader never sees half a file. A file that does not decode is an UnreadableImageError.
 */
export async function writeThumbnail(src: string, dest: string, size = THUMBNAIL_SIZE): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const image = await openImage(src);
    await image
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toFile(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof UnreadableImageError) throw e;
    throw new UnreadableImageError(`cannot decode the image (${(e as Error).message})`, { cause: e });
  }
}
