import { openImage } from './decode';
import { cannotDecode } from './unreadable';

/** ImageNet statistics (RGB), as the detector's recipe normalises inputs (SPEC §9.1). */
export const PIXEL_MEAN = [123.675, 116.28, 103.53] as const;
export const PIXEL_STD = [58.395, 57.12, 57.375] as const;

export interface Letterboxed {
  /** size × size × 3, normalised RGB, zero (the normalised mean) in the padding. HWC order. */
  data: Float32Array;
  /** Network pixels per image pixel, per axis (rounding makes them differ slightly). */
  scaleX: number;
  scaleY: number;
  /** The resized image's extent inside the square (the rest is padding, bottom and right). */
  width: number;
  height: number;
}

/**
 * Decodes an image (EXIF orientation applied, as the labels are), resizes it so its long side is
 * `size` keeping the aspect ratio, optionally mirrors it, and writes it normalised into the top-left of
 * a size × size input. sharp decodes on libuv's thread pool, so the training step is not blocked.
 * It decodes as the thumbnails do (`openImage`): BMP included, and a JPEG cut short at its end as
 * browsers show it. A file that cannot be decoded at all is an UnreadableImageError.
 */
export async function letterbox(file: string, size: number, flip = false): Promise<Letterboxed> {
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
    let pipeline = img
      .resize({ width, height, fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb');
    if (flip) pipeline = pipeline.flop();
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw cannotDecode(e);
  }
  const { data, info } = decoded;
  const channels = info.channels;
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < height; y++) {
    let src = y * width * channels;
    let dst = y * size * 3;
    for (let x = 0; x < width; x++, src += channels, dst += 3) {
      const r = data[src]!;
      const g = channels >= 3 ? data[src + 1]! : r;
      const b = channels >= 3 ? data[src + 2]! : r;
      out[dst] = (r - PIXEL_MEAN[0]) / PIXEL_STD[0];
      out[dst + 1] = (g - PIXEL_MEAN[1]) / PIXEL_STD[1];
      out[dst + 2] = (b - PIXEL_MEAN[2]) / PIXEL_STD[2];
    }
  }
  return { data: out, scaleX: width / srcW, scaleY: height / srcH, width, height };
}
