import { AppError } from '../shared/errors';
import { evaluate } from './cocoEval';
import type { CocoEvalResult, EvalDetection, EvalGroundTruth, EvalImage } from './types';

/**
 * COCO files as parsed JSON (`unknown`) → the evaluator's input, checked field by field so that a bad
 * file is reported by the first field that is wrong, e.g. `annotations[12].bbox[2] must be a number`.
 * Ground truth is the dataset shape ({images, annotations, categories}); detections are a results list
 * ([{image_id, category_id, bbox, score}]), as pycocotools' `loadRes` reads them.
 */

export interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoGroundTruth {
  images: EvalImage[];
  gts: EvalGroundTruth[];
  /** Ascending id, the order pycocotools reports classes in. */
  categories: CocoCategory[];
}

export interface CocoEvalReport extends CocoEvalResult {
  categories: CocoCategory[];
}

export function parseCocoGroundTruth(json: unknown): CocoGroundTruth {
  const top = record(json, 'the ground truth', '{images, annotations, categories}');
  const images = list(top.images, 'images').map((v, i): EvalImage => {
    return { id: int(record(v, `images[${i}]`).id, `images[${i}].id`) };
  });
  unique(
    images.map((im) => im.id),
    'images',
    'id',
  );
  const categories = list(top.categories, 'categories').map((v, i): CocoCategory => {
    const c = record(v, `categories[${i}]`);
    const id = int(c.id, `categories[${i}].id`);
    const name = c.name === undefined ? `class ${id}` : text(c.name, `categories[${i}].name`);
    return { id, name };
  });
  unique(
    categories.map((c) => c.id),
    'categories',
    'id',
  );
  categories.sort((a, b) => a.id - b.id);

  const imageIds = new Set(images.map((im) => im.id));
  const categoryIds = new Set(categories.map((c) => c.id));
  const gts = list(top.annotations, 'annotations').map((v, i): EvalGroundTruth => {
    const where = `annotations[${i}]`;
    const a = record(v, where);
    const imageId = known(int(a.image_id, `${where}.image_id`), imageIds, `${where}.image_id`, 'images');
    const classId = known(int(a.category_id, `${where}.category_id`), categoryIds, `${where}.category_id`);
    const box = bbox(a.bbox, `${where}.bbox`);
    const gt: EvalGroundTruth = { imageId, classId, box };
    // COCO's `area` (a mask's area in COCO itself) picks the size bucket; without one, the box's area.
    if (a.area !== undefined) gt.area = nonNegative(a.area, `${where}.area`);
    if (a.iscrowd !== undefined) gt.iscrowd = flag(a.iscrowd, `${where}.iscrowd`);
    return gt;
  });
  return { images, gts, categories };
}

export function parseCocoDetections(json: unknown, gt: CocoGroundTruth): EvalDetection[] {
  const imageIds = new Set(gt.images.map((im) => im.id));
  const categoryIds = new Set(gt.categories.map((c) => c.id));
  return list(json, 'detections', 'a list of results [{image_id, category_id, bbox, score}]').map(
    (v, i): EvalDetection => {
      const where = `detections[${i}]`;
      const d = record(v, where);
      return {
        imageId: known(int(d.image_id, `${where}.image_id`), imageIds, `${where}.image_id`, 'images'),
        classId: known(int(d.category_id, `${where}.category_id`), categoryIds, `${where}.category_id`),
        box: bbox(d.bbox, `${where}.bbox`),
        score: finite(d.score, `${where}.score`),
      };
    },
  );
}

/** Parses both files and evaluates them; classes are reported in ascending category id. */
export function evaluateCoco(gtJson: unknown, detectionsJson: unknown): CocoEvalReport {
  const gt = parseCocoGroundTruth(gtJson);
  const dets = parseCocoDetections(detectionsJson, gt);
  const result = evaluate({
    images: gt.images,
    gts: gt.gts,
    dets,
    classIds: gt.categories.map((c) => c.id),
  });
  return { ...result, categories: gt.categories };
}

function invalid(message: string): AppError {
  return new AppError('invalid_data', message);
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function record(v: unknown, where: string, shape = 'an object'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw invalid(`${where} must be ${shape}, got ${kind(v)}`);
  }
  return v as Record<string, unknown>;
}

function list(v: unknown, where: string, shape = 'a list'): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${where} must be ${shape}, got ${kind(v)}`);
  return v;
}

function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalid(`${where} must be a number, got ${kind(v)}`);
  return v;
}

function nonNegative(v: unknown, where: string): number {
  const n = finite(v, where);
  if (n < 0) throw invalid(`${where} must be ≥ 0, got ${n}`);
  return n;
}

function int(v: unknown, where: string): number {
  if (!Number.isSafeInteger(v)) throw invalid(`${where} must be an integer id, got ${kind(v)}`);
  return v as number;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string') throw invalid(`${where} must be a string, got ${kind(v)}`);
  return v;
}

/** COCO writes iscrowd as 0/1; a boolean is accepted too. */
function flag(v: unknown, where: string): boolean {
  if (v === 0 || v === 1 || typeof v === 'boolean') return v === 1 || v === true;
  throw invalid(`${where} must be 0 or 1, got ${kind(v)}`);
}

function bbox(v: unknown, where: string): [number, number, number, number] {
  const b = list(v, where, 'a list of 4 numbers [x, y, w, h]');
  if (b.length !== 4) throw invalid(`${where} must be a list of 4 numbers [x, y, w, h], got ${b.length}`);
  return [
    finite(b[0], `${where}[0]`),
    finite(b[1], `${where}[1]`),
    nonNegative(b[2], `${where}[2]`),
    nonNegative(b[3], `${where}[3]`),
  ];
}

function known(id: number, ids: Set<number>, where: string, what = 'categories'): number {
  if (!ids.has(id)) throw invalid(`${where} ${id} is not one of the ground truth's ${what}`);
  return id;
}

function unique(ids: number[], where: string, field: string): void {
  const seen = new Set<number>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw invalid(`${where}[${i}].${field} ${id} appears twice`);
    seen.add(id);
  });
}
