import { describe, expect, it } from 'vitest';
import { parseCocoResultsText } from '../../../src-main/formats/cocoResults';

const F = '/data/results.json';
const parse = (v: unknown) => parseCocoResultsText(typeof v === 'string' ? v : JSON.stringify(v), F);

describe('COCO results files', () => {
  it('reads the list pycocotools and mmdetection write', () => {
    expect(parse([{ image_id: 4, category_id: 2, bbox: [1.5, 2, 30, 40.25], score: 0.875 }])).toEqual([
      { imageId: 4, categoryId: 2, box: { x: 1.5, y: 2, w: 30, h: 40.25 }, score: 0.875, where: '[0]' },
    ]);
    expect(parse([])).toEqual([]);
  });

  it('refuses a malformed file in one line that names the file and the entry', () => {
    const refuse = (v: unknown, message: string) => expect(() => parse(v)).toThrow(`${F}: ${message}`);
    refuse('[{"image_id": 1,', 'line 1, column 17: not valid JSON');
    refuse({ images: [], annotations: [] }, 'this is a COCO dataset (it has "images"), not a results file');
    refuse({ a: 1 }, 'expected a list of {image_id, category_id, bbox, score}, got an object');
    const ok = { image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 };
    refuse([ok, 3], '[1]: expected an object, got 3');
    refuse([{ ...ok, image_id: '1' }], '[0].image_id: expected an integer, got "1"');
    refuse(
      [ok, { ...ok, bbox: [0, 0, 1] }],
      '[1].bbox: expected [x, y, width, height] as 4 numbers, got a list of 3',
    );
    refuse([{ ...ok, score: 1.5 }], '[0].score: expected a score from 0 to 1, got 1.5');
    refuse([{ ...ok, score: null }], '[0].score: expected a score from 0 to 1, got null');
    for (const bad of ['[{"image_id": 1,', [ok, { ...ok, bbox: [0, 0, 1] }]])
      expect(() => parse(bad)).toThrow(/^[^\n]+$/);
  });
});
