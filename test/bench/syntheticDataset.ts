// A large dataset made quickly: real PNG files (640×480, 1-bit palette) that differ only in their
// palette colour, so each has its own content hash, and a COCO json of boxes over them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { mulberry32 } from '../../src-main/shared/prng';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export const WIDTH = 640;
export const HEIGHT = 480;

/** PNG writer for a 1-bit image whose pixels are all palette entry 0, of colour `rgb`. */
export function makePngFactory(): (rgb: number) => Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(WIDTH, 0);
  ihdr.writeUInt32BE(HEIGHT, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // palette colour
  const head = Buffer.concat([signature, chunk('IHDR', ihdr)]);
  const tail = Buffer.concat([
    chunk('IDAT', deflateSync(Buffer.alloc(HEIGHT * (1 + WIDTH / 8)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return (rgb) =>
    Buffer.concat([
      head,
      chunk('PLTE', Buffer.from([rgb >> 16, (rgb >> 8) & 255, rgb & 255, 255, 255, 255])),
      tail,
    ]);
}

export function writeDataset(dir: string, images: number, boxesPerImage: number, classes: number): string {
  const imageDir = path.join(dir, 'images');
  mkdirSync(imageDir, { recursive: true });
  const png = makePngFactory();
  const rand = mulberry32(1);
  const doc = {
    categories: Array.from({ length: classes }, (_, i) => ({ id: i + 1, name: `class_${i + 1}` })),
    images: [] as object[],
    annotations: [] as object[],
  };
  for (let i = 0; i < images; i++) {
    const name = `img_${String(i).padStart(6, '0')}.png`;
    writeFileSync(path.join(imageDir, name), png(i + 1));
    doc.images.push({ id: i + 1, file_name: name, width: WIDTH, height: HEIGHT });
    for (let b = 0; b < boxesPerImage; b++) {
      const w = 8 + Math.floor(rand() * 200);
      const h = 8 + Math.floor(rand() * 200);
      const x = Math.floor(rand() * (WIDTH - w));
      const y = Math.floor(rand() * (HEIGHT - h));
      doc.annotations.push({
        id: doc.annotations.length + 1,
        image_id: i + 1,
        category_id: 1 + Math.floor(rand() * classes),
        bbox: [x, y, w, h],
        area: w * h,
        iscrowd: 0,
      });
    }
  }
  const json = path.join(dir, 'annotations.json');
  writeFileSync(json, JSON.stringify(doc));
  return json;
}
