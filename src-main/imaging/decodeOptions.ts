import type { SharpOptions } from 'sharp';

/**
 * The most pixels an image may have: 100 megapixels (10,000 × 10,000). Training scales every image to
 * well under 2 megapixels, and a header that claims more is far likelier a mistake or a decompression
 * bomb (a small file that would take gigabytes to decode) than a photo anyone labels.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * How every part of the app decodes an image (thumbnails, display copies, the trainer's letterbox):
 * leniently, as browsers and PIL do, so a JPEG whose last bytes are missing shows and trains the same
 * way everywhere instead of failing in one place only; and never past the pixel limit.
 */
export function decodeOptions(): SharpOptions {
  return { failOn: 'none', limitInputPixels: MAX_IMAGE_PIXELS };
}
