import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectStore } from '../../../src-main/store/projectStore';
import { image, tempStore } from './storeFixture';

let store: ProjectStore;
let dispose: () => void;
beforeEach(() => {
  ({ store, dispose } = tempStore());
});
afterEach(() => dispose());

const box = (classId: number, x = 1) => ({
  x,
  y: 2,
  w: 3,
  h: 4,
  classId,
  source: 'manual' as const,
  score: null,
});

describe('boxes', () => {
  it('replaces the boxes of one image, labels an unlabeled image, and never touches a reviewed one', () => {
    const cls = store.classes.add({ name: 'a', color: '#000000', hotkey: null }).id;
    const [i1, i2] = store.images.insertMany([image(1), image(2, { status: 'reviewed' })]);
    const r = store.boxes.replace(i1!, [box(cls, 1), box(cls, 2)]);
    expect(r.removed).toBe(0);
    expect(r.boxes.map((b) => b.x)).toEqual([1, 2]);
    expect(store.images.file(i1!)!.status).toBe('labeled');
    expect(store.boxes.replace(i1!, [box(cls, 5)]).removed).toBe(2);
    expect(store.boxes.forImage(i1!).map((b) => b.x)).toEqual([5]);
    // Removing every box keeps the image labeled: "nothing here" is a label too.
    store.boxes.replace(i1!, []);
    expect(store.images.file(i1!)!.status).toBe('labeled');
    store.boxes.replace(i2!, [box(cls)]);
    expect(store.images.file(i2!)!.status).toBe('reviewed');
  });

  it('stores coordinates to 1/1000 px', () => {
    const cls = store.classes.add({ name: 'a', color: '#000000', hotkey: null }).id;
    const [id] = store.images.insertMany([image(1)]);
    const [saved] = store.boxes.replace(id!, [{ ...box(cls), x: 1.23456, w: 0.1 + 0.2 }]).boxes;
    expect(saved).toMatchObject({ x: 1.235, w: 0.3 });
  });

  it('rolls the whole replace back when one box is invalid', () => {
    const cls = store.classes.add({ name: 'a', color: '#000000', hotkey: null }).id;
    const [id] = store.images.insertMany([image(1)]);
    store.boxes.replace(id!, [box(cls)]);
    expect(() => store.boxes.replace(id!, [box(cls, 7), box(999)])).toThrow(/FOREIGN KEY/);
    expect(store.boxes.forImage(id!).map((b) => b.x)).toEqual([1]);
  });
});

describe('classes', () => {
  it('merges boxes and predictions into the target, and deletes a class with its boxes', () => {
    const a = store.classes.add({ name: 'a', color: '#000000', hotkey: '1' }).id;
    const b = store.classes.add({ name: 'b', color: '#000000', hotkey: '2' }).id;
    const [id] = store.images.insertMany([image(1)]);
    store.boxes.replace(id!, [box(a), box(b), box(a)]);
    store.db.exec("INSERT INTO models (path, created_at) VALUES ('m', 'now')");
    store.db
      .prepare(
        'INSERT INTO predictions (model_id, image_id, class_id, x, y, w, h, score) VALUES (1, ?, ?, 0, 0, 1, 1, 0.5)',
      )
      .run(id, a);
    store.classes.merge(a, b);
    expect(store.classes.list().map((c) => [c.name, c.boxCount])).toEqual([['b', 3]]);
    expect(store.db.prepare('SELECT class_id FROM predictions').pluck().get()).toBe(b);
    store.classes.deleteWithBoxes(b);
    expect(store.boxes.count()).toBe(0);
    expect(store.db.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(0);
  });

  it('keeps names unique regardless of case, and hotkeys unique', () => {
    store.classes.add({ name: 'Car', color: '#000000', hotkey: '1' });
    expect(store.classes.findByName('car')?.name).toBe('Car');
    expect(() => store.classes.add({ name: 'CAR', color: '#000000', hotkey: null })).toThrow(/UNIQUE/);
    expect(() => store.classes.add({ name: 'bus', color: '#000000', hotkey: '1' })).toThrow(/UNIQUE/);
  });

  it('cannot delete a class that still has boxes without a choice', () => {
    const a = store.classes.add({ name: 'a', color: '#000000', hotkey: null }).id;
    const [id] = store.images.insertMany([image(1)]);
    store.boxes.replace(id!, [box(a)]);
    expect(() => store.db.prepare('DELETE FROM classes WHERE id = ?').run(a)).toThrow(/FOREIGN KEY/);
  });
});

describe('image list', () => {
  const page = (filter = {}, order: 'name' | 'added' | 'uncertainty' = 'name', offset = 0, limit = 50) =>
    store.images.list({ filter, order, offset, limit, latestModelId: store.latestModelId() });

  beforeEach(() => {
    const a = store.classes.add({ name: 'a', color: '#000000', hotkey: null }).id;
    const b = store.classes.add({ name: 'b', color: '#000000', hotkey: null }).id;
    const ids = store.images.insertMany([
      image(1, { fileName: 'zeta.jpg', split: 'val' }),
      image(2, { fileName: 'Alpha.jpg' }),
      image(3, { fileName: 'beta_100%.jpg' }),
      image(4, { fileName: 'gamma.png', split: 'val' }),
    ]);
    store.boxes.replace(ids[0]!, [box(a), box(a), box(b)]);
    store.boxes.replace(ids[2]!, [box(b)]);
    store.images.setStatus([ids[3]!], 'reviewed');
    store.images.setProblems([{ id: ids[1]!, problem: 'file not found' }]);
    store.db.prepare('UPDATE images SET uncertainty = ? WHERE id = ?').run(0.9, ids[2]);
    store.db.prepare('UPDATE images SET uncertainty = ? WHERE id = ?').run(0.1, ids[3]);
    store.db.exec("INSERT INTO models (path, created_at) VALUES ('old', 'then'), ('new', 'now')");
    const pred = store.db.prepare(
      'INSERT INTO predictions (model_id, image_id, class_id, x, y, w, h, score) VALUES (?, ?, ?, 0, 0, 1, 1, 0.5)',
    );
    pred.run(1, ids[1], a); // an older model's prediction: not counted
    pred.run(2, ids[3], a);
    pred.run(2, ids[3], b);
  });

  it('orders by name (ignoring case), by added, and by uncertainty with unknown last', () => {
    expect(page().items.map((i) => i.fileName)).toEqual([
      'Alpha.jpg',
      'beta_100%.jpg',
      'gamma.png',
      'zeta.jpg',
    ]);
    expect(page({}, 'added').items.map((i) => i.id)).toEqual([1, 2, 3, 4]);
    expect(page({}, 'uncertainty').items.map((i) => i.id)).toEqual([3, 4, 1, 2]);
  });

  it('counts boxes and the latest model’s predictions per image', () => {
    const items = page({}, 'added').items;
    expect(items.map((i) => [i.boxCount, i.predictionCount])).toEqual([
      [3, 0],
      [0, 0],
      [1, 0],
      [0, 2],
    ]);
    expect(items[0]).toEqual({
      id: 1,
      path: 'images/img_1.jpg',
      fileName: 'zeta.jpg',
      width: 640,
      height: 480,
      status: 'labeled',
      split: 'val',
      problem: null,
      uncertainty: null,
      boxCount: 3,
      predictionCount: 0,
      // The thumbnail's boxes: [classId, x, y, w, h] each, in the order they were saved.
      preview: [1, 1, 2, 3, 4, 1, 1, 2, 3, 4, 2, 1, 2, 3, 4],
    });
  });

  it('filters by status, split, class, predictions, problems and file name, with a total', () => {
    const ids = (filter: object) => page(filter, 'added').items.map((i) => i.id);
    expect(ids({ status: 'labeled' })).toEqual([1, 3]);
    expect(ids({ status: 'unlabeled' })).toEqual([2]);
    expect(ids({ split: 'val' })).toEqual([1, 4]);
    expect(ids({ classId: 2 })).toEqual([1, 3]);
    expect(ids({ classId: 1, split: 'train' })).toEqual([]);
    expect(ids({ hasPredictions: true })).toEqual([4]);
    expect(ids({ hasPredictions: false })).toEqual([1, 2, 3]);
    expect(ids({ hasProblem: true })).toEqual([2]);
    expect(ids({ search: 'ALPHA' })).toEqual([2]);
    // % and _ are literal characters in a search, not wildcards.
    expect(ids({ search: '100%' })).toEqual([3]);
    expect(ids({ search: 'a_' })).toEqual([3]);
    expect(ids({ search: '   ' })).toEqual([1, 2, 3, 4]);
    expect(page({ split: 'train' }).total).toBe(2);
    // Image 1 has two boxes of class a: counted once, alone or with another filter.
    expect(page({ classId: 1 }).total).toBe(1);
    expect(page({ classId: 2 }).total).toBe(2);
    expect(page({ classId: 2, split: 'val' }).total).toBe(1);
  });

  it('pages with offset and limit, the total counting every match', () => {
    const p = page({}, 'name', 1, 2);
    expect(p.total).toBe(4);
    expect(p.items.map((i) => i.fileName)).toEqual(['beta_100%.jpg', 'gamma.png']);
  });

  it('gets one image with the same columns', () => {
    expect(store.images.get(4, store.latestModelId())).toMatchObject({
      id: 4,
      status: 'reviewed',
      predictionCount: 2,
    });
    expect(store.images.get(99, null)).toBeUndefined();
  });

  it('gives project stats by status, split and class', () => {
    expect(store.stats()).toEqual({
      images: { total: 4, unlabeled: 1, labeled: 2, reviewed: 1, train: 2, val: 2, withProblems: 1 },
      boxesPerClass: [
        { classId: 1, name: 'a', train: 0, val: 2 },
        { classId: 2, name: 'b', train: 1, val: 1 },
      ],
    });
  });
});
