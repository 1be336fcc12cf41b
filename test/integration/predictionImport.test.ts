// A COCO results file of another detector read into a project as a model: matched by file name
// through the ground-truth file its ids belong to, its classes by name, counted and reported, and then
// reviewed and scored like a trained model. Results equal to the labels score AP 1, by construction.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFixture, snapshot, startServices, type Harness } from './support/harness';

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: number[] }[];
}

let h: Harness;
let project: string;
let gtFile: string;
let gt: Coco;

beforeEach(async () => {
  h = startServices();
  const data = copyFixture('cards', h.dir);
  gtFile = path.join(data, 'annotations.json');
  gt = JSON.parse(readFileSync(gtFile, 'utf8')) as Coco;
  project = path.join(h.dir, 'cards.dwproj');
  await h.call('project.create', { path: project });
  await h.call('dataset.import', { format: 'coco', path: gtFile });
});
afterEach(() => h.dispose());

function write(name: string, value: unknown): string {
  const file = path.join(h.dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** The labels themselves as detections, in the ground-truth file's ids. */
const perfect = () =>
  gt.annotations.map((a, i) => ({
    image_id: a.image_id,
    category_id: a.category_id,
    bbox: a.bbox,
    score: 0.9 - i * 0.01,
  }));

describe('predictions.import', () => {
  it('matches the ground truth file by file name and class name, and scores as the labels do', async () => {
    const results = write('results.json', perfect());
    const r = await h.call('predictions.import', { path: results, images: gtFile, name: 'cluster R50' });
    expect(r).toMatchObject({
      model: { id: 1, name: 'cluster R50', source: 'imported', origin: results, runId: null, assigner: null },
      detections: gt.annotations.length,
      images: { total: 8, matched: 8, unmatched: 0, unmatchedNames: [] },
      skipped: [],
    });
    const ev = await h.call('review.evaluate', { modelId: 1, split: 'all' });
    expect(ev.images).toBe(8);
    expect(ev.stats.AP).toBeCloseTo(1, 12);
    // Review lists every image the results cover, with no error on any.
    const rows = await h.call('review.images', { modelId: 1, scoreThreshold: 0.05, limit: 50 });
    expect(rows.total).toBe(8);
    expect(rows.items.every((row) => row.fp === 0 && row.fn === 0)).toBe(true);
    // Annotate's suggestions come from the newest model that looked at an image: this one.
    const first = (await h.call('images.list', { order: 'name' })).items[0]!;
    expect((await h.call('predictions.latest', { imageId: first.id })).modelId).toBe(1);
  });

  it('counts what it cannot place: images not in the project, unknown classes, empty boxes', async () => {
    const doc = structuredClone(gt);
    doc.images.push({ id: 999, file_name: 'val2017/not-here.jpg', width: 10, height: 10 });
    doc.categories.push({ id: 7, name: 'Joker' });
    const images = write('gt-more.json', doc);
    const [a, b] = gt.annotations;
    const results = write('results.json', [
      { image_id: a!.image_id, category_id: a!.category_id, bbox: a!.bbox, score: 0.8 },
      { image_id: b!.image_id, category_id: 7, bbox: b!.bbox, score: 0.7 },
      { image_id: 999, category_id: 1, bbox: [1, 1, 5, 5], score: 0.6 },
      { image_id: b!.image_id, category_id: b!.category_id, bbox: [3, 3, 0, 5], score: 0.5 },
    ]);
    const r = await h.call('predictions.import', { path: results, images });
    expect(r).toMatchObject({
      model: { name: 'results.json' },
      detections: 1,
      images: { total: 9, matched: 8, unmatched: 1, unmatchedNames: ['val2017/not-here.jpg'] },
      skipped: [
        { count: 1, reason: 'on images that are not in the project' },
        { count: 1, reason: 'of classes the project does not have: Joker (1)' },
        { count: 1, reason: 'with a width or height of 0' },
      ],
    });
  });

  it('without a ground truth file reads the project’s own ids, as predictions.export writes them', async () => {
    const ids = new Map(
      (await h.call('images.list', { order: 'name' })).items.map((im) => [im.fileName, im.id]),
    );
    const classes = new Map((await h.call('classes.list')).map((c) => [c.name, c.id]));
    const gtName = new Map(gt.images.map((im) => [im.id, im.file_name]));
    const catName = new Map(gt.categories.map((c) => [c.id, c.name]));
    const own = perfect().map((d) => ({
      ...d,
      image_id: ids.get(gtName.get(d.image_id)!)!,
      category_id: classes.get(catName.get(d.category_id)!)!,
    }));
    const r = await h.call('predictions.import', {
      path: write('own.json', [...own, { ...own[0]!, image_id: 4242 }]),
    });
    expect(r.images).toEqual({ total: 8, matched: 8, unmatched: 1, unmatchedNames: ['image 4242'] });
    expect(r.detections).toBe(own.length);
    expect((await h.call('review.evaluate', { modelId: r.model.id, split: 'all' })).stats.AP).toBeCloseTo(
      1,
      12,
    );
    // And written back out, the same detections.
    const out = path.join(h.dir, 'again.json');
    await h.call('predictions.export', { modelId: r.model.id, path: out });
    const again = JSON.parse(readFileSync(out, 'utf8')) as typeof own;
    const key = (d: (typeof own)[number]) => JSON.stringify([d.image_id, d.category_id, d.bbox, d.score]);
    expect(again.map(key).sort()).toEqual(own.map(key).sort());
  });

  it('refuses a bad file in one line naming it, and changes nothing', async () => {
    const before = snapshot(project);
    const refuse = async (input: { path: string; images?: string }, message: string) => {
      const call = h.call('predictions.import', input);
      await expect(call).rejects.toThrow(message);
      await expect(call).rejects.toThrow(/^[^\n]+$/);
    };
    const broken = write('broken.json', '[{"image_id": 1');
    await refuse({ path: broken }, `${broken}: line 1, column 16: not valid JSON`);
    await refuse({ path: gtFile }, `${gtFile}: this is a COCO dataset (it has "images"), not a results file`);
    const stranger = write('stranger.json', [
      { image_id: 5, category_id: 1, bbox: [0, 0, 2, 2], score: 0.3 },
    ]);
    await refuse(
      { path: stranger, images: gtFile },
      `${stranger}: [0].image_id: ${gtFile} has no image with id 5`,
    );
    const badCat = write('cat.json', [{ image_id: 64, category_id: 9, bbox: [0, 0, 2, 2], score: 0.3 }]);
    await refuse(
      { path: badCat, images: gtFile },
      `${badCat}: [0].category_id: ${gtFile} has no category with id 9`,
    );
    const missing = path.join(h.dir, 'nope.json');
    await refuse({ path: missing }, `${missing}: not found`);
    expect(await h.call('models.list')).toEqual([]);
    expect(snapshot(project)).toEqual(before);
  });

  it('has no network: prediction, inspection and export of one are refused with the reason', async () => {
    const results = write('results.json', perfect());
    const { model } = await h.call('predictions.import', { path: results, images: gtFile, name: 'ext' });
    const why = `Model ${model.id} (ext) holds the detections imported from ${results}: it has no network to run`;
    await expect(h.call('predict.run', { modelId: model.id, scope: 'all' })).rejects.toThrow(why);
    await expect(
      h.call('models.export', { modelId: model.id, dir: path.join(h.dir, 'out') }),
    ).rejects.toThrow(why);
    const [image] = (await h.call('images.list', { order: 'name' })).items;
    const [box] = await h.call('boxes.get', { imageId: image!.id });
    await expect(
      h.call('inspect.run', { modelId: model.id, imageId: image!.id, boxId: box!.id }),
    ).rejects.toThrow(why);
  });
});
