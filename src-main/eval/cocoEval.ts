import { AppError } from '../shared/errors';
import { accumulate, type EvalGrid } from './accumulate';
import { evaluateImageClass, prepareImageClass, type DetBox, type GtBox } from './evaluateImage';
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './params';
import { classAp, classCurve, summarize } from './summarize';
import type { CocoBoxXYWH, CocoEvalResult, EvalInput } from './types';

/**
 * COCO detection metrics for boxes, reproducing pycocotools' `COCOeval` (iouType 'bbox', default
 * parameters): the 12 summary numbers, per-class AP and AP50, and precision-recall curves.
 *
 * Where it differs on purpose: a ground truth id of 0 is an ordinary box here, whereas pycocotools
 * stores matches by id and so counts a detection matched to id 0 as a false positive. An annotation's
 * `ignore` field has no effect in pycocotools (it is overwritten by `iscrowd`), and is not read here.
 */
export function evaluate(input: EvalInput): CocoEvalResult {
  const imageIds = uniqueIds(
    input.images.map((im) => im.id),
    'images',
    '.id',
  ).sort((a, b) => a - b);
  const classIds = uniqueIds(input.classIds, 'classIds', '');

  const I = imageIds.length;
  const K = classIds.length;
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]));
  const classIndex = new Map(classIds.map((id, k) => [id, k]));
  const cellOf = (imageId: number, classId: number, where: string): number => {
    const i = imageIndex.get(imageId);
    if (i === undefined) throw invalid(`${where}.imageId ${imageId} is not one of the images`);
    const k = classIndex.get(classId);
    if (k === undefined) throw invalid(`${where}.classId ${classId} is not one of the classIds`);
    return k * I + i;
  };

  // Boxes grouped per class and image, in input order: that order breaks ties the way pycocotools does.
  const gts: GtBox[][] = Array.from({ length: K * I }, () => []);
  const dets: DetBox[][] = Array.from({ length: K * I }, () => []);
  const numGt = new Array<number>(K).fill(0);
  const numDets = new Array<number>(K).fill(0);
  input.gts.forEach((g, n) => {
    const where = `gts[${n}]`;
    const box = checkBox(g.box, `${where}.box`);
    const area = g.area ?? box[2] * box[3];
    if (!Number.isFinite(area) || area < 0) throw invalid(`${where}.area must be a number ≥ 0`);
    const cell = cellOf(g.imageId, g.classId, where);
    gts[cell]!.push({ box, area, crowd: g.iscrowd === true });
    if (g.iscrowd !== true) numGt[Math.floor(cell / I)]!++;
  });
  input.dets.forEach((d, n) => {
    const where = `dets[${n}]`;
    const box = checkBox(d.box, `${where}.box`);
    if (!Number.isFinite(d.score)) throw invalid(`${where}.score must be a finite number`);
    const cell = cellOf(d.imageId, d.classId, where);
    dets[cell]!.push({ box, score: d.score });
    numDets[Math.floor(cell / I)]!++;
  });

  const A = AREA_RANGES.length;
  const grid: EvalGrid = { numClasses: K, numImages: I, cells: new Array(K * A * I).fill(null) };
  const maxDet = MAX_DETS[MAX_DETS.length - 1]!;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const prep = prepareImageClass(gts[k * I + i]!, dets[k * I + i]!, maxDet);
      for (let a = 0; a < A; a++) grid.cells[(k * A + a) * I + i] = evaluateImageClass(prep, AREA_RANGES[a]!);
    }
  }

  const acc = accumulate(grid);
  return {
    summary: summarize(acc),
    perClass: classIds.map((classId, k) => ({
      classId,
      numGt: numGt[k]!,
      numDets: numDets[k]!,
      ...classAp(acc, k),
      curve: classCurve(acc, k),
    })),
    recallThresholds: RECALL_THRESHOLDS,
    iouThresholds: IOU_THRESHOLDS,
  };
}

function invalid(message: string): AppError {
  return new AppError('invalid_data', message);
}

function uniqueIds(ids: readonly number[], where: string, field: string): number[] {
  const seen = new Set<number>();
  ids.forEach((id, i) => {
    if (!Number.isSafeInteger(id)) throw invalid(`${where}[${i}]${field} must be an integer`);
    if (seen.has(id)) throw invalid(`${where}[${i}]${field} ${id} appears twice`);
    seen.add(id);
  });
  return [...ids];
}

function checkBox(box: CocoBoxXYWH, where: string): CocoBoxXYWH {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => Number.isFinite(v))) {
    throw invalid(`${where} must be four finite numbers [x, y, w, h]`);
  }
  if (box[2] < 0 || box[3] < 0) throw invalid(`${where} has a negative width or height`);
  return box;
}
