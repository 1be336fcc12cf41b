import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { decodeBmp } from './bmp';
import { decodeOptions } from './decodeOptions';
import { fileErrorReason } from './probe';
import { UnreadableImageError } from './unreadable';

/**
 * A sharp pipeline over the image as the user sees it (EXIF orientation applied). BMP, which libvips
 * does not read, is decoded here and handed over as raw pixels.
 */
export async function openImage(file: string): Promise<Sharp> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new UnreadableImageError(fileErrorReason(e), { cause: e });
  }
  return openImageBuffer(buf);
}

/** The same, over bytes already read. */
export function openImageBuffer(buf: Buffer): Sharp {
  if (buf[0] === 0x42 && buf[1] === 0x4d) {
    const raw = decodeBmp(buf);
    return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  }
  return sharp(buf, decodeOptions()).rotate();
}
