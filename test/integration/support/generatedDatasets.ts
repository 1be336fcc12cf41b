// Datasets made up by fast-check, written with this file's own small writers (not the app's), over a
// pool of real image files: valid ones, and the same with one thing broken.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export interface PoolImage {
  name: string;
  width: number;
  height: number;
}

/** Three real PNGs of odd sizes, each its own content. */
export async function writeImagePool(dir: string): Promise<PoolImage[]> {
  mkdirSync(dir, { recursive: true });
  const pool: PoolImage[] = [
    { name: 'alpha.png', width: 64, height: 48 },
    { name: 'beta.png', width: 33, height: 77 },
    { name: 'gamma.png', width: 120, height: 90 },
  ];
  for (const [i, img] of pool.entries()) {
    await sharp({
      create: { width: img.width, height: img.height, channels: 3, background: { r: 40 * i, g: 200, b: 90 } },
    })
      .png()
      .toFile(path.join(dir, img.name));
  }
  return pool;
}

/** A box in pixels on the 1/1000 px grid the project stores, inside its image. */
export interface GenBox {
  cls: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GenDataset {
  classes: string[];
  images: { image: PoolImage; boxes: GenBox[] }[];
}

const milli = (max: number) => fc.integer({ min: 0, max: Math.round(max * 1000) }).map((v) => v / 1000);

function boxIn(img: PoolImage, classes: number): fc.Arbitrary<GenBox> {
  return fc
    .record({ cls: fc.nat({ max: classes - 1 }), x: milli(img.width - 1), y: milli(img.height - 1) })
    .chain((b) =>
      fc.record({
        cls: fc.constant(b.cls),
        x: fc.constant(b.x),
        y: fc.constant(b.y),
        // At least half a pixel, and never past the edge.
        w: milli(img.width - b.x - 0.5).map((v) => Math.round((v + 0.5) * 1000) / 1000),
        h: milli(img.height - b.y - 0.5).map((v) => Math.round((v + 0.5) * 1000) / 1000),
      }),
    );
}

export function datasetArb(pool: PoolImage[]): fc.Arbitrary<GenDataset> {
  const names = fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/), {
    minLength: 1,
    maxLength: 4,
    selector: (n) => n.toLowerCase(),
  });
  return names.chain((classes) =>
    fc
      .subarray(pool, { minLength: 1 })
      .chain((images) =>
        fc.tuple(
          ...images.map((image) =>
            fc.array(boxIn(image, classes.length), { maxLength: 5 }).map((boxes) => ({ image, boxes })),
          ),
        ),
      )
      .map((images) => ({ classes, images })),
  );
}

/** COCO: annotations.json beside images/. Returns the json's path. */
export function cocoDoc(ds: GenDataset) {
  let id = 0;
  return {
    categories: ds.classes.map((name, i) => ({ id: i + 1, name })),
    images: ds.images.map((im, i) => ({
      id: i + 1,
      file_name: im.image.name,
      width: im.image.width,
      height: im.image.height,
    })),
    annotations: ds.images.flatMap((im, i) =>
      im.boxes.map((b) => ({
        id: ++id,
        image_id: i + 1,
        category_id: b.cls + 1,
        bbox: [b.x, b.y, b.w, b.h],
      })),
    ),
  };
}

export function vocXml(ds: GenDataset, i: number): string {
  const im = ds.images[i]!;
  const objects = im.boxes.map(
    (b) =>
      `<object><name>${ds.classes[b.cls]}</name><bndbox><xmin>${b.x}</xmin><ymin>${b.y}</ymin>` +
      `<xmax>${round(b.x + b.w)}</xmax><ymax>${round(b.y + b.h)}</ymax></bndbox></object>`,
  );
  return (
    `<annotation><filename>${im.image.name}</filename><size><width>${im.image.width}</width>` +
    `<height>${im.image.height}</height><depth>3</depth></size>${objects.join('')}</annotation>`
  );
}

/** One YOLO label line per box: class and the box normalized to the image, to 12 decimals. */
export function yoloLabels(ds: GenDataset, i: number): string {
  const { image, boxes } = ds.images[i]!;
  return boxes
    .map((b) =>
      [
        b.cls,
        (b.x + b.w / 2) / image.width,
        (b.y + b.h / 2) / image.height,
        b.w / image.width,
        b.h / image.height,
      ]
        .map((v, k) => (k === 0 ? String(v) : v.toFixed(12)))
        .join(' '),
    )
    .join('\n');
}

export function yoloYaml(ds: GenDataset): string {
  return `train: images/train\nval: images/val\nnames:\n${ds.classes.map((n) => `  - ${JSON.stringify(n)}`).join('\n')}\n`;
}

/** Writes `ds` in `format` under `dir` (images copied from `poolDir`); returns what to import. */
export function writeDataset(
  format: 'coco' | 'voc' | 'yolo',
  ds: GenDataset,
  dir: string,
  poolDir: string,
  copy: (from: string, to: string) => void,
): string {
  if (format === 'coco') {
    mkdirSync(path.join(dir, 'images'), { recursive: true });
    for (const im of ds.images)
      copy(path.join(poolDir, im.image.name), path.join(dir, 'images', im.image.name));
    writeFileSync(path.join(dir, 'annotations.json'), JSON.stringify(cocoDoc(ds)));
    return path.join(dir, 'annotations.json');
  }
  if (format === 'voc') {
    mkdirSync(path.join(dir, 'Annotations'), { recursive: true });
    mkdirSync(path.join(dir, 'JPEGImages'), { recursive: true });
    ds.images.forEach((im, i) => {
      copy(path.join(poolDir, im.image.name), path.join(dir, 'JPEGImages', im.image.name));
      writeFileSync(path.join(dir, 'Annotations', `${stem(im.image.name)}.xml`), vocXml(ds, i));
    });
    writeFileSync(path.join(dir, 'labels.txt'), `${ds.classes.join('\n')}\n`);
    return dir;
  }
  for (const sub of ['images/train', 'images/val', 'labels/train', 'labels/val']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  ds.images.forEach((im, i) => {
    copy(path.join(poolDir, im.image.name), path.join(dir, 'images', 'train', im.image.name));
    writeFileSync(path.join(dir, 'labels', 'train', `${stem(im.image.name)}.txt`), yoloLabels(ds, i));
  });
  writeFileSync(path.join(dir, 'data.yaml'), yoloYaml(ds));
  return dir;
}

const stem = (name: string) => name.replace(/\.[^.]+$/, '');
const round = (v: number) => Math.round(v * 1000) / 1000;
