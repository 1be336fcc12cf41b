// COCO detection json: parse (pure, from text) and write. Spec: cocodataset.org/#format-data.
import type { Split } from '../shared/api/project';
import { countUnsupported, type DatasetBox } from './dataset';
import type { ExportDataset, ExportLayout } from './exportDataset';
import { describeValue, FormatError } from './formatError';
import { jsonErrorOffset } from './jsonErrorOffset';
import type { Size } from './geometry';

export interface CocoImage {
  /** The image's id in the file (what a results file refers to). */
  id: number;
  /** file_name as written: relative to the images folder. */
  fileName: string;
  where: string;
  declared: Size | null;
  split: Split | null;
  boxes: DatasetBox[];
}

export interface CocoParsed {
  classes: string[];
  /** Each class's category id in the file, in `classes` order. */
  categoryIds: number[];
  images: CocoImage[];
  unsupported: Map<string, number>;
  warnings: string[];
}

export const UNSUPPORTED = {
  crowd: 'crowd regions (iscrowd = 1; not imported)',
  polygons: 'segmentation polygons (their boxes were imported)',
  masks: 'segmentation masks (RLE; their boxes were imported)',
  keypoints: 'keypoints (their boxes were imported)',
} as const;

export function parseCocoText(text: string, file: string): CocoParsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, jsonErrorPlace(text), `not valid JSON (${(e as Error).message})`);
  }
  return parseCoco(doc, file);
}

export function parseCoco(doc: unknown, file: string): CocoParsed {
  if (!isObject(doc)) throw new FormatError(file, null, `expected a JSON object, got ${describeValue(doc)}`);
  const unsupported = new Map<string, number>();
  const warnings: string[] = [];

  const categories = list(doc, 'categories', file);
  const classIndex = new Map<number, number>();
  const classes: string[] = [];
  categories.forEach((c, i) => {
    const at = `categories[${i}]`;
    const id = int(c, 'id', file, at);
    const name = str(c, 'name', file, at);
    if (classIndex.has(id)) throw new FormatError(file, `${at}.id`, `category id ${id} is used twice`);
    if (classes.some((n) => n.toLowerCase() === name.toLowerCase())) {
      throw new FormatError(file, `${at}.name`, `category name "${name}" is used twice`);
    }
    classIndex.set(id, classes.length);
    classes.push(name);
  });

  const images: CocoImage[] = [];
  const imageById = new Map<number, CocoImage>();
  const byName = new Map<string, string>();
  let otherSplits = 0;
  list(doc, 'images', file).forEach((img, i) => {
    const at = `images[${i}]`;
    const id = int(img, 'id', file, at);
    const fileName = str(img, 'file_name', file, at);
    if (imageById.has(id)) throw new FormatError(file, `${at}.id`, `image id ${id} is used twice`);
    const seen = byName.get(fileName);
    if (seen) throw new FormatError(file, `${at}.file_name`, `"${fileName}" is listed twice (also ${seen})`);
    byName.set(fileName, at);
    const hasSize = img.width !== undefined || img.height !== undefined;
    const declared = hasSize
      ? { width: positiveInt(img, 'width', file, at), height: positiveInt(img, 'height', file, at) }
      : null;
    let split: Split | null = null;
    if (img.split === 'train' || img.split === 'val') split = img.split;
    else if (img.split !== undefined) otherSplits++;
    const entry: CocoImage = { id, fileName, where: at, declared, split, boxes: [] };
    imageById.set(id, entry);
    images.push(entry);
  });
  if (otherSplits > 0) {
    warnings.push(
      `${otherSplits} images have a "split" other than train or val; they were given the default split`,
    );
  }

  const annotations = doc.annotations === undefined ? [] : list(doc, 'annotations', file);
  annotations.forEach((a, i) => {
    const at = `annotations[${i}]`;
    const imageId = int(a, 'image_id', file, at);
    const image = imageById.get(imageId);
    if (!image) throw new FormatError(file, `${at}.image_id`, `no image has id ${imageId}`);
    const categoryId = int(a, 'category_id', file, at);
    const cls = classIndex.get(categoryId);
    if (cls === undefined)
      throw new FormatError(file, `${at}.category_id`, `no category has id ${categoryId}`);
    const [x, y, w, h] = bboxOf(a, file, at);
    if (!(w > 0 && h > 0)) {
      throw new FormatError(
        file,
        `${at}.bbox`,
        `box has ${w <= 0 ? 'width' : 'height'} ${w <= 0 ? w : h}; it must be > 0`,
      );
    }
    if (a.iscrowd === 1 || a.iscrowd === true) {
      countUnsupported(unsupported, UNSUPPORTED.crowd);
      return;
    }
    noteSegmentation(a, [x, y, w, h], unsupported);
    if (
      (Array.isArray(a.keypoints) && a.keypoints.length > 0) ||
      (typeof a.num_keypoints === 'number' && a.num_keypoints > 0)
    ) {
      countUnsupported(unsupported, UNSUPPORTED.keypoints);
    }
    image.boxes.push({ classIndex: cls, where: at, kind: 'pixels', box: { x, y, w, h } });
  });
  return { classes, categoryIds: [...classIndex.keys()], images, unsupported, warnings };
}

/** Writes annotations.json; images sit in images/ beside it (file_name is relative to that folder). */
export function writeCoco(d: ExportDataset): ExportLayout {
  let annId = 0;
  const doc = {
    info: { description: 'Exported from DW Studio', version: '1.0' },
    licenses: [],
    categories: d.classes.map((name, i) => ({ id: i + 1, name, supercategory: '' })),
    images: d.images.map((img, i) => ({
      id: i + 1,
      file_name: img.name,
      width: img.width,
      height: img.height,
      // Not in the COCO spec; tools ignore it, and it keeps the split through a round trip.
      split: img.split,
    })),
    annotations: d.images.flatMap((img, i) =>
      img.boxes.map((b) => ({
        id: ++annId,
        image_id: i + 1,
        category_id: b.classIndex + 1,
        bbox: [b.box.x, b.box.y, b.box.w, b.box.h],
        area: b.box.w * b.box.h,
        iscrowd: 0,
        segmentation: [],
      })),
    ),
  };
  return {
    files: [{ path: 'annotations.json', content: `${JSON.stringify(doc)}\n` }],
    imagePaths: new Map(d.images.map((img) => [img.name, `images/${img.name}`])),
  };
}

/** A polygon that is just the box's rectangle adds nothing; anything else is content we do not keep. */
function noteSegmentation(
  a: Record<string, unknown>,
  bbox: number[],
  unsupported: Map<string, number>,
): void {
  const seg = a.segmentation;
  if (Array.isArray(seg)) {
    const polys = seg.filter((p) => Array.isArray(p) && p.length >= 6) as number[][];
    if (polys.length > 0 && !(polys.length === 1 && isRectangle(polys[0]!, bbox))) {
      countUnsupported(unsupported, UNSUPPORTED.polygons);
    }
  } else if (isObject(seg)) {
    countUnsupported(unsupported, UNSUPPORTED.masks);
  }
}

function isRectangle(p: number[], [x, y, w, h]: number[]): boolean {
  if (p.length !== 8) return false;
  const xs = new Set([x!, x! + w!]);
  const ys = new Set([y!, y! + h!]);
  for (let i = 0; i < 8; i += 2) if (!xs.has(p[i]!) || !ys.has(p[i + 1]!)) return false;
  return true;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function list(doc: Record<string, unknown>, key: string, file: string): Record<string, unknown>[] {
  const v = doc[key];
  if (!Array.isArray(v)) throw new FormatError(file, key, `expected a list, got ${describeValue(v)}`);
  v.forEach((item, i) => {
    if (!isObject(item))
      throw new FormatError(file, `${key}[${i}]`, `expected an object, got ${describeValue(item)}`);
  });
  return v as Record<string, unknown>[];
}

export function int(o: Record<string, unknown>, key: string, file: string, at: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new FormatError(file, `${at}.${key}`, `expected an integer, got ${describeValue(v)}`);
  }
  return v;
}

/** `o.bbox` as COCO writes it: [x, y, width, height], four finite numbers. */
export function bboxOf(
  o: Record<string, unknown>,
  file: string,
  at: string,
): [number, number, number, number] {
  const bbox = o.bbox;
  if (
    !Array.isArray(bbox) ||
    bbox.length !== 4 ||
    !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new FormatError(
      file,
      `${at}.bbox`,
      `expected [x, y, width, height] as 4 numbers, got ${describeValue(bbox)}`,
    );
  }
  return bbox as [number, number, number, number];
}

function positiveInt(o: Record<string, unknown>, key: string, file: string, at: string): number {
  const v = int(o, key, file, at);
  if (v <= 0) throw new FormatError(file, `${at}.${key}`, `expected a size > 0, got ${v}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, file: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') {
    throw new FormatError(file, `${at}.${key}`, `expected a non-empty string, got ${describeValue(v)}`);
  }
  return v;
}

/** "line 3, column 14": where the text goes wrong (the end, for a truncated file). */
export function jsonErrorPlace(text: string): string {
  const pos = jsonErrorOffset(text);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
