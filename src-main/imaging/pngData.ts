// A PNG's data checked whole without decoding its pixels through libvips: every chunk's CRC, the
// image data inflated to exactly the size its header implies, each row's filter byte valid. That is
// all a PNG decode can fail on, at a fraction of the cost (a 20,000-image import checks every file).
import zlib from 'node:zlib';

/** Above this, the inflated data is not held in memory here: libvips checks the file instead. */
const MAX_INFLATED = 64 * 1024 * 1024;

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * True when the PNG is intact as far as decoding goes. False means "not shown intact here", not
 * "damaged": the caller then lets libvips decide (an unusual PNG is never refused by this check).
 */
export function pngDataIntact(buf: Buffer): boolean {
  const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (!crc32 || buf.length < 33) return false;
  const idat: Buffer[] = [];
  let header: { width: number; height: number; depth: number; color: number; interlace: number } | null =
    null;
  let ended = false;
  for (let i = 8; i + 12 <= buf.length;) {
    const len = buf.readUInt32BE(i);
    const end = i + 12 + len;
    if (end > buf.length) return false;
    if (crc32(buf.subarray(i + 4, i + 8 + len)) !== buf.readUInt32BE(i + 8 + len)) return false;
    const type = buf.toString('latin1', i + 4, i + 8);
    const data = buf.subarray(i + 8, i + 8 + len);
    if (type === 'IHDR' && len === 13) {
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        depth: data[8]!,
        color: data[9]!,
        interlace: data[12]!,
      };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    i = end;
  }
  if (!header || !ended || idat.length === 0) return false;
  const { width, height, depth, color, interlace } = header;
  if (!DEPTHS[color]?.includes(depth) || interlace > 1 || width === 0 || height === 0) return false;
  const bitsPerPixel = depth * CHANNELS[color]!;
  const passes = interlace === 1 ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const rows: number[] = []; // bytes per row (filter byte included), one entry per row, pass by pass
  for (const [x0, y0, dx, dy] of passes) {
    const cols = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const lines = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (cols === 0 || lines === 0) continue;
    const bytes = 1 + Math.ceil((cols * bitsPerPixel) / 8);
    for (let r = 0; r < lines; r++) rows.push(bytes);
    if (rows.length > height * 2 + 8) return false;
  }
  const expected = rows.reduce((a, b) => a + b, 0);
  if (expected > MAX_INFLATED) return false;
  let pixels: Buffer;
  try {
    pixels = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch {
    return false;
  }
  if (pixels.length !== expected) return false;
  for (let at = 0, r = 0; r < rows.length; at += rows[r]!, r++) if (pixels[at]! > 4) return false;
  return true;
}
