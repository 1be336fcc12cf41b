import { openImage } from './decode';
import { placeNormalised, resizedExtent, resizeRgb } from '../shared/networkInput';
import { cannotDecode } from './unreadable';

export { PIXEL_MEAN, PIXEL_STD, placeNormalised } from '../shared/networkInput';

/** An image resized for the network: RGB bytes, its long side `size`, the aspect ratio kept. */
export interface Resized {
  /** width × height × 3 RGB, row-major. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Network pixels per image pixel, per axis (rounding makes them differ slightly). */
  scaleX: number;
  scaleY: number;
}

export interface Letterboxed {
  /** size × size × 3, normalised RGB, zero (the normalised mean) in the padding. HWC order. */
  data: Float32Array;
  scaleX: number;
  scaleY: number;
  /** The resized image's extent inside the square (the rest is padding, bottom and right). */
  width: number;
  height: number;
}

/**
 * Decodes an image (EXIF orientation applied, as the labels are) and resizes it so its long side is
 * `size`, keeping the aspect ratio. sharp decodes on libuv's thread pool, off the calling thread; the
 * resize is the network-input rule's own (`resizeRgb`), so an exported model's module, given the same
 * decoded pixels, sees the very same input. The bytes are what a training run keeps in memory, so every
 * epoch after the first decodes nothing. It decodes as the thumbnails do (`openImage`): BMP included,
 * and a JPEG cut short at its end as browsers show it. A file that cannot be decoded at all is an
 * UnreadableImageError.
 */
export async function resizeLongSide(file: string, size: number): Promise<Resized> {
  const { data, width: srcW, height: srcH, channels } = await decodePixels(file);
  const { width, height } = resizedExtent(srcW, srcH, size);
  const rgb = resizeRgb(data, srcW, srcH, channels, width, height);
  return { rgb, width, height, scaleX: width / srcW, scaleY: height / srcH };
}

/**
 * An image's pixels as the user sees it (orientation applied), alpha dropped, in sRGB: what an exported
 * model's module is given in Node (its README decodes with the same sharp calls).
 */
export async function decodePixels(
  file: string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const img = await openImage(file);
  try {
    const { data, info } = await img
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: info.channels,
    };
  } catch (e) {
    throw cannotDecode(e);
  }
}

/**
 * Decodes an image, resizes it so its long side is `size` keeping the aspect ratio, optionally
 * mirrors it, and writes it normalised into the top-left of a size × size input.
 */
export async function letterbox(file: string, size: number, flip = false): Promise<Letterboxed> {
  const img = await resizeLongSide(file, size);
  const data = new Float32Array(size * size * 3);
  placeNormalised(img, size, flip, data);
  return { data, scaleX: img.scaleX, scaleY: img.scaleY, width: img.width, height: img.height };
}
