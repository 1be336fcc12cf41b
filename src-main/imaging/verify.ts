// The check every image passes once, when it enters a project: all of its pixels decoded, so that a
// damaged file is refused at the door, naming it, instead of failing a thumbnail or a training run later.
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { decodeBmp } from './bmp';
import { decodeOptions, MAX_IMAGE_PIXELS } from './decodeOptions';
import { readImageHeader, type ImageHeader } from './header';
import { pngDataIntact } from './pngData';
import { fileErrorReason } from './probe';
import { firstLine, UnreadableImageError } from './unreadable';

/**
 * ok: decodes cleanly. warning: usable, but not as written (a JPEG whose last bytes are missing, shown
 * as browsers and PIL show it). refused: not usable; `reason` says why, for the user.
 */
export type ImageVerdict =
  { status: 'ok' } | { status: 'warning'; reason: string } | { status: 'refused'; reason: string };

/**
 * How many pixel rows at the bottom of a JPEG may be missing for it to count as merely short at the
 * end: one row of 16 × 16 blocks, the most that the last few bytes of a file can hold.
 */
export const JPEG_SHORT_ROWS = 16;

/** Reads and fully decodes one image file. */
export async function verifyImageFile(file: string): Promise<ImageVerdict> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    return { status: 'refused', reason: fileErrorReason(e) };
  }
  return verifyImageBuffer(buf);
}

/** The same, over bytes already read (and their header, when already parsed). */
export async function verifyImageBuffer(buf: Buffer, header?: ImageHeader): Promise<ImageVerdict> {
  let h: ImageHeader;
  try {
    h = header ?? readImageHeader(buf);
  } catch (e) {
    if (e instanceof UnreadableImageError) return { status: 'refused', reason: e.message };
    throw e;
  }
  if (h.width * h.height > MAX_IMAGE_PIXELS) {
    return {
      status: 'refused',
      reason:
        `${h.width} × ${h.height} pixels is more than the limit of ` +
        `${MAX_IMAGE_PIXELS / 1_000_000} megapixels`,
    };
  }
  if (h.format === 'bmp') {
    try {
      decodeBmp(buf);
      return { status: 'ok' };
    } catch (e) {
      if (e instanceof UnreadableImageError) return { status: 'refused', reason: e.message };
      throw e;
    }
  }
  if (h.format === 'png' && pngDataIntact(buf)) return { status: 'ok' };
  // Strict about errors, not about warnings: libjpeg's "extraneous bytes before marker" and the like
  // are common in camera files and harmless.
  let strict: unknown;
  try {
    await sharp(buf, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS }).raw().toBuffer();
    return { status: 'ok' };
  } catch (e) {
    strict = e;
  }
  let lenient: { data: Buffer; info: OutputInfo };
  try {
    lenient = await sharp(buf, decodeOptions()).raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    return { status: 'refused', reason: `cannot be decoded${detail(e)}` };
  }
  if (h.format !== 'jpeg') {
    return { status: 'refused', reason: `damaged or cut short${detail(strict)}` };
  }
  const lost = missingRows(lenient.data, lenient.info);
  if (lost > JPEG_SHORT_ROWS) {
    return {
      status: 'refused',
      reason: `cut short: the bottom ${lost} of its ${lenient.info.height} pixel rows are missing`,
    };
  }
  return { status: 'warning', reason: 'its last bytes are missing; it is shown as browsers show it' };
}

/**
 * The decoder's own words, in brackets. libvips keeps one error buffer for all its threads, so a
 * decode running beside another may get "Unknown error" instead: that says nothing and is left out.
 */
function detail(e: unknown): string {
  const line = firstLine(e);
  return line === '' || /^unknown error$/i.test(line) ? '' : ` (${line})`;
}

/**
 * Rows at the bottom that libjpeg filled in for want of data: its fill is mid-grey (every sample
 * 128), which a whole row of a real photo practically never is.
 */
function missingRows(data: Buffer, info: OutputInfo): number {
  const rowBytes = info.width * info.channels;
  let rows = 0;
  for (let y = info.height - 1; y >= 0; y--) {
    const row = data.subarray(y * rowBytes, (y + 1) * rowBytes);
    if (!row.every((v) => v === 128)) break;
    rows++;
  }
  return rows;
}
