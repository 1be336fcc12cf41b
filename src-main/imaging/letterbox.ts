import { openImage } from './decode';
import { cannotDecode } from './unreadable';

/** ImageNet statistics (RGB), as the detector's recipe normalises inputs (SPEC §9.1). */
export const PIXEL_MEAN = [123.675, 116.28, 103.53] as const;
export const PIXEL_STD = [58.395, 57.12, 57.375] as const;

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
 * `size`, keeping the aspect ratio. sharp decodes on libuv's thread pool, off the calling thread.
 * The bytes are what a training run keeps in memory, so every epoch after the first decodes nothing.
 * It decodes as the thumbnails do (`openImage`): BMP included, and a JPEG cut short at its end as
 * browsers show it. A file that cannot be decoded at all is an UnreadableImageError.
 */
export async function resizeLongSide(file: string, size: number): Promise<Resized> {
  const img = await openImage(file);
  let decoded: { data: Buffer; info: { channels: number } };
  let srcW: number;
  let srcH: number;
  let width: number;
  let height: number;
  try {
    const meta = await img.metadata();
    const oriented = (meta.orientation ?? 1) >= 5;
    srcW = oriented ? meta.height! : meta.width!;
    srcH = oriented ? meta.width! : meta.height!;
    const scale = size / Math.max(srcW, srcH);
    width = Math.max(1, Math.round(srcW * scale));
    height = Math.max(1, Math.round(srcH * scale));
    decoded = await img
      .resize({ width, height, fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw cannotDecode(e);
  }
  const { data, info } = decoded;
  let rgb: Uint8Array = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.channels !== 3) {
    rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < width * height; i++, j += info.channels)
      rgb.set(
        info.channels >= 3 ? [data[j]!, data[j + 1]!, data[j + 2]!] : [data[j]!, data[j]!, data[j]!],
        i * 3,
      );
  }
  return { rgb, width, height, scaleX: width / srcW, scaleY: height / srcH };
}

/**
 * Writes `img` normalised into the top-left of a `canvasW` × `canvasH` network input at `out[offset]`,
 * mirrored left to right when `flip` (the mirror of the resized image, as the boxes are mirrored).
 * The rest of the canvas is left as it is: zero, the normalised mean, in a fresh array.
 */
export function placeNormalised(
  img: Resized,
  canvasW: number,
  flip: boolean,
  out: Float32Array,
  offset = 0,
): void {
  const { rgb, width, height } = img;
  const [m0, m1, m2] = PIXEL_MEAN;
  const [s0, s1, s2] = PIXEL_STD;
  for (let y = 0; y < height; y++) {
    let dst = offset + y * canvasW * 3;
    for (let x = 0; x < width; x++, dst += 3) {
      const src = (y * width + (flip ? width - 1 - x : x)) * 3;
      out[dst] = (rgb[src]! - m0) / s0;
      out[dst + 1] = (rgb[src + 1]! - m1) / s1;
      out[dst + 2] = (rgb[src + 2]! - m2) / s2;
    }
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
