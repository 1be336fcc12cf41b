// YOLO in the Ultralytics layout: data.yaml (class names, split folders) and one text file per image,
// a line per box: `class cx cy w h`, normalized to the image size. Parse (pure, from text) and write.
import { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from 'yaml';
import { countUnsupported, type DatasetBox } from './dataset';
import type { ExportDataset, ExportLayout } from './exportDataset';
import { stemOf } from './exportDataset';
import { describeValue, FormatError } from './formatError';
import { polygonBounds, xywhToNorm, type BoxCXCYWHNorm } from './geometry';

export interface DataYaml {
  /** Dataset root as written (`path:`), or null. */
  path: string | null;
  /** Image folders or list files of each split, as written. */
  train: string[];
  val: string[];
  test: string[];
  names: string[];
  /** [keypoints per object, values per keypoint] for pose datasets. */
  kptShape: [number, number] | null;
}

export const UNSUPPORTED = {
  polygons: 'polygons (kept as their bounding boxes)',
  keypoints: 'keypoints (their boxes were imported)',
} as const;

export function parseDataYaml(text: string, file: string): DataYaml {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : null;
    throw new FormatError(file, where, `not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new FormatError(
      file,
      null,
      `expected a mapping with train, val and names, got ${describeValue(doc)}`,
    );
  }
  const d = doc as Record<string, unknown>;
  const names = parseNames(d.names, file);
  if (d.nc !== undefined && d.nc !== names.length) {
    throw new FormatError(file, 'nc', `says ${describeValue(d.nc)} classes but names lists ${names.length}`);
  }
  const kpt = d.kpt_shape;
  let kptShape: [number, number] | null = null;
  if (kpt !== undefined) {
    if (!Array.isArray(kpt) || kpt.length !== 2 || !kpt.every((v) => Number.isInteger(v) && v > 0)) {
      throw new FormatError(file, 'kpt_shape', `expected [keypoints, dims], got ${describeValue(kpt)}`);
    }
    kptShape = [kpt[0] as number, kpt[1] as number];
  }
  const train = paths(d.train, file, 'train');
  if (train.length === 0) throw new FormatError(file, 'train', 'no image folder given');
  return {
    path: d.path === undefined || d.path === null ? null : paths(d.path, file, 'path')[0]!,
    train,
    val: paths(d.val, file, 'val'),
    test: paths(d.test, file, 'test'),
    names,
    kptShape,
  };
}

export interface YoloLabels {
  boxes: DatasetBox[];
  unsupported: Map<string, number>;
}

/** One label file. Boxes stay normalized: only the image file knows the size they are fractions of. */
export function parseYoloLabels(
  text: string,
  file: string,
  classCount: number,
  kptShape: [number, number] | null,
): YoloLabels {
  const boxes: DatasetBox[] = [];
  const unsupported = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${i + 1}`;
    const tokens = line.split(/\s+/);
    const cls = Number(tokens[0]);
    if (!Number.isInteger(cls) || cls < 0) {
      throw new FormatError(file, where, `expected a class id (0, 1, ...), got ${describeValue(tokens[0])}`);
    }
    if (cls >= classCount) {
      throw new FormatError(
        file,
        where,
        `class id ${cls} is not in data.yaml (it names ${classCount} classes: 0 to ${classCount - 1})`,
      );
    }
    const values = tokens.slice(1).map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new FormatError(file, where, `expected a number, got ${describeValue(tokens[bad + 1])}`);
    let box: BoxCXCYWHNorm;
    if (values.length === 4) {
      box = { cx: values[0]!, cy: values[1]!, w: values[2]!, h: values[3]! };
    } else if (kptShape && values.length === 4 + kptShape[0] * kptShape[1]) {
      box = { cx: values[0]!, cy: values[1]!, w: values[2]!, h: values[3]! };
      countUnsupported(unsupported, UNSUPPORTED.keypoints);
    } else if (values.length >= 6 && values.length % 2 === 0) {
      // A segmentation line: class x1 y1 x2 y2 ... (normalized polygon points).
      const b = polygonBounds(values);
      box = { cx: b.x + b.w / 2, cy: b.y + b.h / 2, w: b.w, h: b.h };
      countUnsupported(unsupported, UNSUPPORTED.polygons);
    } else {
      throw new FormatError(file, where, `expected 5 values (class cx cy w h), got ${tokens.length}`);
    }
    if (!(box.w > 0 && box.h > 0)) {
      throw new FormatError(
        file,
        where,
        `box has ${box.w <= 0 ? 'width' : 'height'} ${box.w <= 0 ? box.w : box.h}; it must be > 0`,
      );
    }
    boxes.push({ classIndex: cls, where, kind: 'normalized', box });
  });
  return { boxes, unsupported };
}

/**
 * Ultralytics finds an image's labels by swapping the last `/images/` folder of its path for
 * `/labels/` and the extension for `.txt`; an image outside any `images` folder has them beside it.
 */
export function labelPathFor(imagePath: string): string {
  const p = imagePath.replace(/\\/g, '/');
  const at = p.lastIndexOf('/images/');
  const swapped = at >= 0 ? `${p.slice(0, at)}/labels/${p.slice(at + '/images/'.length)}` : p;
  return `${stemOf(swapped)}.txt`;
}

/** 10 decimals: far below 1/1000 px for any image under 10^6 px, the precision the project stores. */
export function formatNorm(v: number): string {
  return String(Number(v.toFixed(10)));
}

export function writeYolo(d: ExportDataset): ExportLayout {
  const files = d.images.map((img) => ({
    path: `labels/${img.split}/${stemOf(img.name)}.txt`,
    content: img.boxes
      .map((b) => {
        const n = xywhToNorm(b.box, img);
        return `${b.classIndex} ${formatNorm(n.cx)} ${formatNorm(n.cy)} ${formatNorm(n.w)} ${formatNorm(n.h)}\n`;
      })
      .join(''),
  }));
  const yaml = stringifyYaml({
    train: 'images/train',
    val: 'images/val',
    nc: d.classes.length,
    // A Map keeps the keys numbers, so they are written `0: name` as Ultralytics does.
    names: new Map(d.classes.map((n, i) => [i, n])),
  });
  return {
    files: [{ path: 'data.yaml', content: yaml }, ...files],
    imagePaths: new Map(d.images.map((img) => [img.name, `images/${img.split}/${img.name}`])),
    // data.yaml names both splits: both folders exist, so the export reads back with either empty.
    folders: ['images/train', 'images/val', 'labels/train', 'labels/val'],
  };
}

function parseNames(v: unknown, file: string): string[] {
  let names: unknown[];
  if (Array.isArray(v)) {
    names = v;
  } else if (typeof v === 'object' && v !== null) {
    // { 0: person, 1: car }: the keys must be 0 … n−1.
    const entries = Object.entries(v as Record<string, unknown>);
    names = entries.map((_, i) => {
      if (!Object.hasOwn(v, String(i))) {
        throw new FormatError(
          file,
          'names',
          `class ids must run 0 to ${entries.length - 1}; ${i} is missing`,
        );
      }
      return (v as Record<string, unknown>)[String(i)];
    });
  } else {
    throw new FormatError(file, 'names', `expected the list of class names, got ${describeValue(v)}`);
  }
  names.forEach((n, i) => {
    if (typeof n !== 'string' && typeof n !== 'number') {
      throw new FormatError(file, `names[${i}]`, `expected a class name, got ${describeValue(n)}`);
    }
  });
  const out = names.map((n) => String(n).trim());
  out.forEach((n, i) => {
    if (n === '') throw new FormatError(file, `names[${i}]`, 'empty class name');
    if (out.findIndex((m) => m.toLowerCase() === n.toLowerCase()) !== i) {
      throw new FormatError(file, `names[${i}]`, `class name "${n}" is used twice`);
    }
  });
  return out;
}

function paths(v: unknown, file: string, key: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((p, i) => {
    if (typeof p !== 'string' || p.trim() === '') {
      throw new FormatError(
        file,
        Array.isArray(v) ? `${key}[${i}]` : key,
        `expected a path, got ${describeValue(p)}`,
      );
    }
    return p.trim();
  });
}
