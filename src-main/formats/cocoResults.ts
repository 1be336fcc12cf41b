// COCO detection results: the list of {image_id, category_id, bbox, score} that pycocotools'
// loadRes reads, and that mmdetection's test script writes (`--format-only`, `<prefix>.bbox.json`).
import type { BoxXYWH } from './geometry';
import { bboxOf, int, isObject, jsonErrorPlace } from './coco';
import { describeValue, FormatError } from './formatError';

export interface CocoResult {
  imageId: number;
  categoryId: number;
  /** In the image's pixels, as the results file gives it. */
  box: BoxXYWH;
  score: number;
  /** Where it is in the file, for messages: "[12]". */
  where: string;
}

/** Parses a results file; anything malformed is one line naming the file and the entry. */
export function parseCocoResultsText(text: string, file: string): CocoResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, jsonErrorPlace(text), `not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc)) {
    const dataset = isObject(doc) && Array.isArray(doc.images);
    throw new FormatError(
      file,
      null,
      dataset
        ? 'this is a COCO dataset (it has "images"), not a results file: a results file is a list of ' +
            '{image_id, category_id, bbox, score}'
        : `expected a list of {image_id, category_id, bbox, score}, got ${describeValue(doc)}`,
    );
  }
  return doc.map((d, i) => {
    const at = `[${i}]`;
    if (!isObject(d)) throw new FormatError(file, at, `expected an object, got ${describeValue(d)}`);
    const imageId = int(d, 'image_id', file, at);
    const categoryId = int(d, 'category_id', file, at);
    const [x, y, w, h] = bboxOf(d, file, at);
    const score = d.score;
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
      throw new FormatError(file, `${at}.score`, `expected a score from 0 to 1, got ${describeValue(score)}`);
    }
    return { imageId, categoryId, box: { x, y, w, h }, score, where: at };
  });
}
