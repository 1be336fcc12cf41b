import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { readImageHeader, type ImageFormat } from './header';
import type { Orientation } from './exif';
import { UnreadableImageError } from './unreadable';

export interface ImageProbe {
  bytes: number;
  sha256: string;
  format: ImageFormat;
  /** As displayed (EXIF orientation applied). */
  width: number;
  height: number;
  orientation: Orientation;
  /** Where the path really leads (symbolic links resolved), and the file's modification time. */
  realPath: string;
  mtimeMs: number;
}

/**
 * Reads a file once: its sha256 (duplicates, split seeds), its header (format, size, orientation) and
 * its identity on disk; the bytes come back too, for a full decode next (`verifyImageBuffer`). Anything
 * that makes the file unusable is an UnreadableImageError with a reason for the user.
 *
 * Synchronous: for many small files it is twice as fast as the thread pool (one call instead of four
 * round trips per file); callers yield between short batches (see inspectImageFiles).
 */
export function readImageFileSync(file: string): { probe: ImageProbe; data: Buffer } {
  let data: Buffer;
  let mtimeMs: number;
  let realPath: string;
  try {
    realPath = realpathSync(file);
    // Size, time and bytes from one open file, so they describe the same file.
    const fd = openSync(realPath, 'r');
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
      mtimeMs = st.mtimeMs;
      data = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UnreadableImageError(fileErrorReason(e), { cause: e });
  }
  const header = readImageHeader(data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { probe: { bytes: data.length, sha256, ...header, realPath, mtimeMs }, data };
}

export function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a folder, not a file';
  return `cannot read the file (${(e as Error).message})`;
}

/** The sha256 of a file's bytes, read as a stream (an image's content checked again when it is served). */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
