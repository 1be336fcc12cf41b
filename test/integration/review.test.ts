// Review over a model's stored predictions: per-image true positives, false positives and missed
// labels at IoU ≥ 0.5 above a score threshold, the orderings of the image list, and COCO AP per class.
// The predictions are written as the predict job stores them, with chosen boxes and scores, so that
// every count and AP below follows by hand.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectorConfig } from '../../src-main/detector/config';
import { ProjectStore } from '../../src-main/store/projectStore';
import { MODEL_FORMAT } from '../../src-main/training/runFiles';
import { FIXTURES, startServices, type Harness } from './support/harness';

const IMAGES = ['BloodImage_00066.jpg', 'BloodImage_00087.jpg', 'BloodImage_00132.jpg'];

let h: Harness;
let file: string;
let ids: number[];
let classA: number;
let classB: number;
let labelB: number;
let modelId: number;

beforeEach(async () => {
  h = startServices();
  file = path.join(h.dir, 'p.dwproj');
  await h.call('project.create', { path: file });
  await h.call('images.add', { paths: IMAGES.map((f) => path.join(FIXTURES, 'bccd', 'images', f)) });
  ids = (await h.call('images.list', { order: 'name' })).items.map((im) => im.id);
  classA = (await h.call('classes.add', { name: 'A' })).id;
  classB = (await h.call('classes.add', { name: 'B' })).id;
  const [, b] = await h.call('boxes.replace', {
    imageId: ids[0]!,
    boxes: [
      { classId: classA, x: 10, y: 10, w: 100, h: 100 },
      { classId: classB, x: 200, y: 200, w: 50, h: 50 },
    ],
  });
  labelB = b!.id;
  await h.call('boxes.replace', {
    imageId: ids[1]!,
    boxes: [{ classId: classA, x: 50, y: 50, w: 80, h: 80 }],
  });
  await h.call('images.setSplit', { ids, split: 'val' });

  // A second connection, as the trainer's results reach the database: a model and its predictions.
  const store = ProjectStore.open(file);
  try {
    const t = store.training;
    const runId = t.createRun({ assigner: 'dw' }, 'snapshot');
    const dir = path.join(`${file}-data`, 'models', 'review-test');
    mkdirSync(dir, { recursive: true });
    const meta = {
      detector: detectorConfig({ numClasses: 2 }),
      classes: [
        { id: classA, name: 'A' },
        { id: classB, name: 'B' },
      ],
      trainedSteps: 1,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: MODEL_FORMAT, meta }));
    modelId = t.createModel({ runId, path: path.relative(`${file}-data`, dir), metrics: null, name: 'test' });
    t.savePredictions(modelId, ids, [
      // image 1: A found (IoU 0.924), a spurious A, and B found only with a low score
      { imageId: ids[0]!, classId: classA, x: 12, y: 12, w: 100, h: 100, score: 0.9 },
      { imageId: ids[0]!, classId: classA, x: 400, y: 300, w: 50, h: 50, score: 0.8 },
      { imageId: ids[0]!, classId: classB, x: 200, y: 200, w: 50, h: 50, score: 0.2 },
      // image 2: nothing found; image 3 (unlabeled): one box
      { imageId: ids[2]!, classId: classB, x: 300, y: 100, w: 40, h: 40, score: 0.6 },
    ]);
    // The Library's column (the newest model's): Review must not use it for this model's order.
    t.setUncertainty(
      new Map([
        [ids[0]!, 0.2],
        [ids[1]!, 0.9],
        [ids[2]!, 0.5],
      ]),
    );
  } finally {
    store.close();
  }
});
afterEach(() => h.dispose());

describe('review', () => {
  it('counts true positives, false positives and missed labels per image above the score threshold', async () => {
    const rows = await h.call('review.images', { modelId, scoreThreshold: 0.3, sort: 'name' });
    expect(rows.total).toBe(3);
    expect(rows.items.map((r) => [r.fileName, r.labeled, r.tp, r.fp, r.fn, r.found])).toEqual([
      [IMAGES[0], true, 1, 1, 1, 2],
      [IMAGES[1], true, 0, 0, 1, 0],
      // Unlabeled: its one detection is a suggestion, not a false positive.
      [IMAGES[2], false, 0, 0, 0, 1],
    ]);
    const low = await h.call('review.images', { modelId, scoreThreshold: 0.1, sort: 'name' });
    expect(low.items[0]).toMatchObject({ tp: 2, fp: 1, fn: 0 });
  });

  it('orders images by errors, by uncertainty and by name, and pages them', async () => {
    const order = async (sort: 'errors' | 'uncertainty' | 'name') =>
      (await h.call('review.images', { modelId, sort })).items.map((r) => r.imageId);
    expect(await order('errors')).toEqual([ids[0], ids[1], ids[2]]); // 2 errors, 1, the unlabeled one
    // This model's mean binary entropy of its scores ≥ 0.1: image 3 {0.6} 0.971 bits, image 1
    // {0.9, 0.8, 0.2} 0.638, image 2 (nothing found) 0.
    expect(await order('uncertainty')).toEqual([ids[2], ids[0], ids[1]]);
    const rows = (await h.call('review.images', { modelId, sort: 'name' })).items;
    expect(rows.map((r) => r.uncertainty)).toEqual([expect.closeTo(0.6376, 4), 0, expect.closeTo(0.971, 3)]);
    expect(await order('name')).toEqual(ids);
    const page = await h.call('review.images', { modelId, sort: 'name', offset: 1, limit: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ imageId: ids[1] }] });
  });

  it('matches one image’s predictions to its labels, and lists the labels nothing found', async () => {
    const r = await h.call('review.image', { modelId, imageId: ids[0]!, scoreThreshold: 0.3 });
    const labels = await h.call('boxes.get', { imageId: ids[0]! });
    const labelA = labels.find((b) => b.classId === classA)!.id;
    expect(r.predictions.map((p) => [p.score, p.matchedBoxId])).toEqual([
      [0.9, labelA],
      [0.8, null],
    ]);
    expect(r.missedBoxIds).toEqual([labelB]);
    const low = await h.call('review.image', { modelId, imageId: ids[0]!, scoreThreshold: 0.1 });
    expect(low.predictions.map((p) => p.matchedBoxId)).toEqual([labelA, null, labelB]);
    expect(low.missedBoxIds).toEqual([]);
    expect(low.labeled).toBe(true);
    const unlabeled = await h.call('review.image', { modelId, imageId: ids[2]!, scoreThreshold: 0.3 });
    expect(unlabeled).toMatchObject({ labeled: false, missedBoxIds: [], predictions: [{ score: 0.6 }] });
  });

  it('scores the labeled validation images with COCO AP per class', async () => {
    const e = await h.call('review.evaluate', { modelId, split: 'val' });
    expect(e.images).toBe(2); // the unlabeled image is left out
    const byName = new Map(e.perClass.map((c) => [c.name, c]));
    // A: two labels, detections TP (IoU 0.924) then FP → precision 1 up to recall 0.5: 51 of 101
    // recall points at IoU 0.5…0.9, none at 0.95.
    expect(byName.get('A')).toMatchObject({ gt: 2 });
    expect(byName.get('A')!.AP50).toBeCloseTo(51 / 101, 6);
    expect(byName.get('A')!.AP).toBeCloseTo((9 / 10) * (51 / 101), 6);
    // B: its one label found exactly (score 0.2: AP ignores the review threshold).
    expect(byName.get('B')!.gt).toBe(1);
    expect(byName.get('B')!.AP).toBeCloseTo(1, 12);
    expect(byName.get('B')!.AP50).toBeCloseTo(1, 12);
    expect(e.stats.AP).toBeCloseTo(((9 / 10) * (51 / 101) + 1) / 2, 6);
    expect(e.stats.AP50).toBeCloseTo((51 / 101 + 1) / 2, 6);
    const curveA = e.curves.find((c) => c.classId === classA)!.precision50;
    // pycocotools divides by tp + fp + eps: one true positive in one detection is 1 − 2e-16.
    expect(curveA.slice(0, 51).every((p) => Math.abs(p - 1) < 1e-12)).toBe(true);
    expect(curveA.slice(51).every((p) => p === 0)).toBe(true);
  });

  it('finds, for one image, the newest model that predicted it, found something or not', async () => {
    const first = await h.call('predictions.latest', { imageId: ids[0]! });
    expect(first.modelId).toBe(modelId);
    expect(first.predictions.map((p) => p.score)).toEqual([0.9, 0.8, 0.2]);
    // A newer model looks at image 2 only, and finds nothing there.
    const store = ProjectStore.open(file);
    let newer: number;
    try {
      const model = store.training.model(modelId)!;
      newer = store.training.createModel({
        runId: model.runId!,
        path: model.path,
        metrics: null,
        name: 'newer',
      });
      store.training.savePredictions(newer, [ids[1]!], []);
    } finally {
      store.close();
    }
    expect(await h.call('predictions.latest', { imageId: ids[1]! })).toEqual({
      modelId: newer,
      predictions: [],
    });
    expect((await h.call('predictions.latest', { imageId: ids[0]! })).modelId).toBe(modelId);
  });

  it('tells the score threshold of the model’s best F1 on its labeled validation images', async () => {
    // 3 labels on the two labeled val images; detections 0.9 (finds A), 0.8 (nothing), 0.2 (finds B).
    // F1 keeping ≥ 0.9: 2·1/(1+3) = 0.5; ≥ 0.8: 2/5 = 0.4; ≥ 0.2: 2·2/(3+3) = 0.667.
    const [model] = await h.call('models.list');
    expect(model!.bestF1).toEqual({ score: 0.2, f1: expect.closeTo(2 / 3, 12), images: 2 });
  });

  it('refuses a model that does not exist', async () => {
    await expect(h.call('review.images', { modelId: modelId + 99 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
