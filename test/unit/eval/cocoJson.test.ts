import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCoco, parseCocoDetections, parseCocoGroundTruth } from '../../../src-main/eval';
import { AppError } from '../../../src-main/shared/errors';

const dataset = () => ({
  images: [{ id: 1 }, { id: 2 }],
  categories: [
    { id: 2, name: 'WBC' },
    { id: 1, name: 'RBC' },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 2, bbox: [5, 5, 20, 20] },
  ],
});
const results = () => [
  { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
  { image_id: 2, category_id: 2, bbox: [5, 5, 20, 20], score: 0.8 },
];

const near = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12);

/** The AppError a bad input raises: code `invalid_data` and a message naming the field. */
function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('invalid_data');
    return e as AppError;
  }
  throw new Error('expected the input to be refused');
}

describe('COCO json input', () => {
  it('reads a dataset and a results list, classes in ascending id, area defaulting to w*h', () => {
    const gt = parseCocoGroundTruth(dataset());
    expect(gt.categories).toEqual([
      { id: 1, name: 'RBC' },
      { id: 2, name: 'WBC' },
    ]);
    expect(gt.gts[0]).toEqual({ imageId: 1, classId: 1, box: [0, 0, 10, 10], area: 100, iscrowd: false });
    expect(gt.gts[1]).toEqual({ imageId: 2, classId: 2, box: [5, 5, 20, 20] });
    const report = evaluateCoco(dataset(), results());
    expect(report.perClass.map((c) => c.classId)).toEqual([1, 2]);
    expect(report.summary.AP50).toBeCloseTo(1, 12);
  });

  it('scores a box with annotation id 0 like any other', () => {
    // pycocotools records matches by annotation id, so it counts this perfect detection as a false
    // positive (AP 0); annotation ids play no part here.
    const gt = { ...dataset(), annotations: [{ ...dataset().annotations[0]!, id: 0 }] };
    near(evaluateCoco(gt, results().slice(0, 1)).summary.AP, 1);
  });

  it('names the field that is wrong', () => {
    const cases: [string, (gt: ReturnType<typeof dataset>) => unknown, RegExp][] = [
      ['not an object', () => [], /the ground truth must be \{images, annotations, categories\}, got a list/],
      ['no images', ({ images: _, ...rest }) => rest, /^images must be a list, got nothing/],
      ['bbox too short', (g) => ((g.annotations[1]!.bbox = [1, 2, 3]), g), /annotations\[1\]\.bbox .*got 3/],
      [
        'bbox text',
        (g) => ((g.annotations[0]!.bbox[2] = '4' as never), g),
        /annotations\[0\]\.bbox\[2\] .*string "4"/,
      ],
      [
        'negative width',
        (g) => ((g.annotations[0]!.bbox[3] = -1), g),
        /annotations\[0\]\.bbox\[3\] must be ≥ 0/,
      ],
      [
        'unknown image',
        (g) => ((g.annotations[1]!.image_id = 7), g),
        /annotations\[1\]\.image_id 7 is not one/,
      ],
      [
        'unknown category',
        (g) => ((g.annotations[0]!.category_id = 9), g),
        /annotations\[0\]\.category_id 9/,
      ],
      ['fractional id', (g) => ((g.images[1]!.id = 1.5), g), /images\[1\]\.id must be an integer id/],
      ['duplicate image', (g) => ((g.images[1]!.id = 1), g), /images\[1\]\.id 1 appears twice/],
      ['crowd flag', (g) => ((g.annotations[0]!.iscrowd = 2), g), /annotations\[0\]\.iscrowd must be 0 or 1/],
    ];
    for (const [name, spoil, message] of cases) {
      expect(failure(() => parseCocoGroundTruth(spoil(dataset()))).message, name).toMatch(message);
    }
  });

  it('names the detection that is wrong', () => {
    const gt = parseCocoGroundTruth(dataset());
    const spoilt = (change: (r: Record<string, unknown>) => void) => {
      const r = results();
      change(r[1] as Record<string, unknown>);
      return failure(() => parseCocoDetections(r, gt)).message;
    };
    expect(spoilt((r) => delete r.score)).toMatch(/^detections\[1\]\.score must be a number, got nothing/);
    expect(spoilt((r) => (r.score = 'high'))).toMatch(/detections\[1\]\.score must be a number/);
    expect(spoilt((r) => (r.image_id = 3))).toMatch(/detections\[1\]\.image_id 3 is not one of .* images/);
    expect(spoilt((r) => (r.category_id = 5))).toMatch(/detections\[1\]\.category_id 5/);
    expect(failure(() => parseCocoDetections(dataset(), gt)).message).toMatch(/^detections must be a list/);
  });

  it('checks the in-memory input too', () => {
    const base = { images: [{ id: 1 }], classIds: [1], gts: [], dets: [] };
    const det = { imageId: 1, classId: 1, box: [0, 0, 1, 1] as const, score: 0.5 };
    expect(failure(() => evaluate({ ...base, dets: [{ ...det, imageId: 2 }] })).message).toMatch(
      /dets\[0\]\.imageId 2 is not one of the images/,
    );
    expect(failure(() => evaluate({ ...base, dets: [{ ...det, score: NaN }] })).message).toMatch(
      /dets\[0\]\.score/,
    );
    expect(failure(() => evaluate({ ...base, classIds: [1, 1] })).message).toMatch(
      /classIds\[1\] 1 appears twice/,
    );
  });
});
