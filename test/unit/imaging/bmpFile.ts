// Builds BMP files byte by byte for the tests: the format is small enough to write out by hand.

export interface BmpSpec {
  width: number;
  /** Negative: rows stored top-down. */
  height: number;
  bitsPerPixel: number;
  compression?: number;
  /** RGB triples (written as BGRX). */
  palette?: [number, number, number][];
  /** R, G, B[, A] masks, written after a 40-byte header. */
  masks?: number[];
  /** The rows exactly as stored in the file, padding included. */
  pixels: number[];
}

export function bmpFile(spec: BmpSpec): Uint8Array {
  const masks = spec.masks ?? [];
  const palette = spec.palette ?? [];
  const headers = 14 + 40 + masks.length * 4 + palette.length * 4;
  const buf = new Uint8Array(headers + spec.pixels.length);
  const v = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  v.setUint32(2, buf.length, true);
  v.setUint32(10, headers, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, spec.width, true);
  v.setInt32(22, spec.height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, spec.bitsPerPixel, true);
  v.setUint32(30, spec.compression ?? 0, true);
  v.setUint32(46, palette.length, true);
  masks.forEach((m, i) => v.setUint32(54 + i * 4, m, true));
  palette.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 54 + masks.length * 4 + i * 4));
  buf.set(spec.pixels, headers);
  return buf;
}

/** A whole BMP (24-bit, bottom-up) of raw RGB pixels, as the tests feed to images.add. */
export function bmpFromRgb(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const stride = Math.floor((24 * width + 31) / 32) * 4;
  const pixels = new Array<number>(stride * height).fill(0);
  for (let y = 0; y < height; y++) {
    const row = (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      pixels[row + x * 3] = rgb[s + 2]!;
      pixels[row + x * 3 + 1] = rgb[s + 1]!;
      pixels[row + x * 3 + 2] = rgb[s]!;
    }
  }
  return bmpFile({ width, height, bitsPerPixel: 24, pixels });
}
