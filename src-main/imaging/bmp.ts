// Windows BMP, decoded here because sharp (libvips) does not read it. Covers what cameras, scanners and
// Paint write: 1/4/8-bit palettes, 16/24/32-bit, BI_BITFIELDS, bottom-up and top-down rows.
// RLE-compressed and embedded JPEG/PNG variants are refused with a clear reason.
import { UnreadableImageError } from './unreadable';

export interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  /** Interleaved 8-bit samples, rows top to bottom. */
  data: Uint8Array;
}

export interface BmpInfo {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  pixelOffset: number;
  /** R, G, B, A masks for 16/32-bit pixels; A is 0 when there is no alpha. */
  masks: [number, number, number, number];
  /** RGB triples, for bit depths ≤ 8. */
  palette: Uint8Array;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function readBmpInfo(buf: Uint8Array): BmpInfo {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d)
    throw new UnreadableImageError('damaged BMP header');
  const pixelOffset = view.getUint32(10, true);
  const dib = view.getUint32(14, true);
  const core = dib === 12;
  if (!core && (dib < 40 || buf.length < 14 + 40)) throw new UnreadableImageError('damaged BMP header');
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getUint16(20, true) : view.getInt32(22, true);
  const bitsPerPixel = core ? view.getUint16(24, true) : view.getUint16(28, true);
  const compression = core ? BI_RGB : view.getUint32(30, true);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new UnreadableImageError(`unsupported BMP bit depth (${bitsPerPixel})`);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new UnreadableImageError(
      `unsupported BMP compression (type ${compression}: RLE, JPEG or PNG inside BMP)`,
    );
  }
  let masks: BmpInfo['masks'] =
    bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  if (compression !== BI_RGB) {
    // The masks follow a 40-byte header, or sit in the same place inside a V4/V5 header.
    const hasAlpha = compression === BI_ALPHABITFIELDS || dib >= 56;
    masks = [
      view.getUint32(54, true),
      view.getUint32(58, true),
      view.getUint32(62, true),
      hasAlpha ? view.getUint32(66, true) : 0,
    ];
  }
  let palette: Uint8Array = new Uint8Array(0);
  if (bitsPerPixel <= 8) {
    const entrySize = core ? 3 : 4;
    const used = core ? 0 : view.getUint32(46, true);
    const count = used > 0 && used <= 256 ? used : 1 << bitsPerPixel;
    const masksSize =
      dib === 40 && compression === BI_BITFIELDS ? 12 : dib === 40 && compression === 6 ? 16 : 0;
    const start = 14 + dib + masksSize;
    if (start + count * entrySize > buf.length)
      throw new UnreadableImageError('damaged BMP (palette cut short)');
    palette = new Uint8Array(count * 3);
    for (let k = 0; k < count; k++) {
      const e = start + k * entrySize;
      palette[k * 3] = buf[e + 2]!;
      palette[k * 3 + 1] = buf[e + 1]!;
      palette[k * 3 + 2] = buf[e]!;
    }
  }
  return {
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel,
    pixelOffset,
    masks,
    palette,
  };
}

export function decodeBmp(buf: Uint8Array): RawImage {
  const info = readBmpInfo(buf);
  const { width, height, bitsPerPixel: bpp, masks } = info;
  if (width <= 0 || height <= 0) throw new UnreadableImageError(`damaged BMP (size ${width}×${height})`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (info.pixelOffset + stride * height > buf.length) {
    throw new UnreadableImageError('damaged BMP (pixel data cut short; the file may be truncated)');
  }
  const channels = masks[3] !== 0 ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fields = masks.map(maskField);
  for (let row = 0; row < height; row++) {
    const src = info.pixelOffset + (info.topDown ? row : height - 1 - row) * stride;
    for (let x = 0; x < width; x++) {
      const o = (row * width + x) * channels;
      if (bpp <= 8) {
        const bit = x * bpp;
        const index = (buf[src + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        const p = Math.min(index, info.palette.length / 3 - 1) * 3;
        out[o] = info.palette[p]!;
        out[o + 1] = info.palette[p + 1]!;
        out[o + 2] = info.palette[p + 2]!;
      } else if (bpp === 24) {
        out[o] = buf[src + x * 3 + 2]!;
        out[o + 1] = buf[src + x * 3 + 1]!;
        out[o + 2] = buf[src + x * 3]!;
      } else {
        const px = bpp === 16 ? view.getUint16(src + x * 2, true) : view.getUint32(src + x * 4, true);
        for (let c = 0; c < channels; c++) out[o + c] = fields[c]!(px);
      }
    }
  }
  return { width, height, channels, data: out };
}

/** A function reading one channel out of a packed pixel, scaled to 0–255. */
function maskField(mask: number): (px: number) => number {
  if (mask === 0) return () => 255;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (px) => Math.round((((px & mask) >>> shift) * 255) / max);
}
