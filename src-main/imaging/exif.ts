// TIFF structures, as found in TIFF files and in the EXIF blocks of JPEG (APP1), PNG (eXIf) and WebP.

/** EXIF orientation 1–8 (1 = as stored). */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface TiffTags {
  width: number | null;
  height: number | null;
  orientation: Orientation;
}

const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;
const TAG_ORIENTATION = 274;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;

/** Reads IFD0 of the TIFF structure starting at `start`; null when it is not one. Never throws on bad data. */
export function readTiffTags(buf: Uint8Array, start: number): TiffTags | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (start + 8 > buf.length) return null;
  const order = String.fromCharCode(buf[start]!, buf[start + 1]!);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  if (view.getUint16(start + 2, le) !== 42) return null;
  const ifd = start + view.getUint32(start + 4, le);
  if (ifd + 2 > buf.length) return null;
  const count = view.getUint16(ifd, le);
  const tags: TiffTags = { width: null, height: null, orientation: 1 };
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > buf.length) break;
    const tag = view.getUint16(e, le);
    const type = view.getUint16(e + 2, le);
    const value =
      type === TYPE_SHORT ? view.getUint16(e + 8, le) : type === TYPE_LONG ? view.getUint32(e + 8, le) : null;
    if (value === null) continue;
    if (tag === TAG_WIDTH) tags.width = value;
    else if (tag === TAG_HEIGHT) tags.height = value;
    else if (tag === TAG_ORIENTATION && value >= 1 && value <= 8) tags.orientation = value as Orientation;
  }
  return tags;
}

/** Orientations 5–8 turn the image a quarter: the displayed width is the stored height. */
export function swapsAxes(o: Orientation): boolean {
  return o >= 5;
}
