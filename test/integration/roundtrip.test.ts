import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetFormat } from '../../src-main/shared/api/project';
import { FIXTURES, snapshot, startServices, type Harness } from './support/harness';

/** A project as the formats should carry it: classes in order, and per image content its split and boxes. */
async function content(h: Harness) {
  const classes = await h.call('classes.list');
  const name = new Map(classes.map((c) => [c.id, c.name]));
  const images = (await h.call('images.list', { limit: 1000 })).items;
  const byContent: Record<string, { split: string; boxes: string[] }> = {};
  for (const img of images) {
    const boxes = (await h.call('boxes.get', { imageId: img.id })).map(
      (b) => `${name.get(b.classId)} ${b.x} ${b.y} ${b.w} ${b.h}`,
    );
    // Names can change on export (clashes get the id appended); the pixels cannot.
    const key = `${img.width}x${img.height}:${await sha(h, img.id)}`;
    byContent[key] = { split: img.split, boxes: boxes.sort() };
  }
  return { classes: classes.map((c) => c.name), images: byContent };
}

async function sha(h: Harness, id: number): Promise<string> {
  const file = (await h.services.resolveImage('image', id))!.path;
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

let source: Harness;
let expected: Awaited<ReturnType<typeof content>>;
let boxCount = 0;

beforeAll(async () => {
  source = startServices();
  await source.call('project.create', { path: path.join(source.dir, 'source.dwproj') });
  const bccd = await source.call('dataset.import', {
    format: 'coco',
    path: path.join(FIXTURES, 'bccd', 'annotations.json'),
  });
  expect(bccd).toMatchObject({ images: 8, boxes: 84, classes: 3, unsupported: [], warnings: [] });
  await source.call('dataset.import', {
    format: 'coco',
    path: path.join(FIXTURES, 'cards', 'annotations.json'),
  });
  // What real editing leaves behind: sub-pixel boxes, a box on the edge, a class without boxes, a
  // labeled image with no boxes, a reassigned split, and a file name that clashes with another.
  const unused = await source.call('classes.add', { name: 'Unused & "quoted" <class>' });
  const [first, second] = (await source.call('images.list', { order: 'added' })).items;
  const cls = (await source.call('classes.list'))[0]!.id;
  await source.call('boxes.replace', {
    imageId: first!.id,
    boxes: [
      { classId: cls, x: 0.1, y: 0.2, w: 10.123, h: 33.3 },
      { classId: cls, x: 600.0004, y: 400, w: 39.9996, h: 80 },
      { classId: unused.id, x: 1e-3, y: 479 - 1e-3, w: 1e-3, h: 1e-3 },
    ],
  });
  await source.call('boxes.replace', { imageId: second!.id, boxes: [] });
  await source.call('images.assignSplits', { seed: 11, valFraction: 0.3 });
  await source.call('images.setSplit', { ids: [first!.id], split: 'val' });
  // Same file name as a bccd image, other content: the export must rename one of them.
  const clash = path.join(source.dir, 'clash', 'BloodImage_00066.jpg');
  mkdirSync(path.dirname(clash));
  await sharp(path.join(FIXTURES, 'cards', 'images', 'IMG_2448.JPG'))
    .flop()
    .toFile(clash);
  expect((await source.call('images.add', { paths: [clash] })).added).toBe(1);
  const added = (await source.call('images.list', { order: 'added' })).items.at(-1)!;
  await source.call('boxes.replace', {
    imageId: added.id,
    boxes: [{ classId: cls, x: 5, y: 6, w: 7, h: 8 }],
  });
  expected = await content(source);
  boxCount = (await source.call('project.current'))!.boxCount;
  expect(Object.keys(expected.images)).toHaveLength(17);
});

afterAll(() => source.dispose());

describe.each(['coco', 'voc', 'yolo'] as DatasetFormat[])('%s export → import', (format) => {
  it('keeps every box, class and split exactly', async () => {
    const dir = path.join(source.dir, `export-${format}`);
    const report = await source.call('dataset.export', { format, dir });
    expect(report).toMatchObject({ format, images: 17, boxes: boxCount, skipped: 0, warnings: [] });

    const target = startServices();
    try {
      await target.call('project.create', { path: path.join(target.dir, 'target.dwproj') });
      const imported = await target.call('dataset.import', { format, path: dir });
      expect(imported).toMatchObject({
        images: 17,
        boxes: boxCount,
        classes: 10,
        unsupported: [],
        warnings: [],
      });
      expect(await content(target)).toEqual(expected);
      // The labeled image without boxes stays labeled where the format can say so (an empty VOC file, an
      // empty YOLO label file); COCO has no way to tell it from an image nobody looked at yet.
      const stats = await target.call('project.stats');
      expect(stats.images).toMatchObject(format === 'coco' ? { labeled: 16, unlabeled: 1 } : { labeled: 17 });
    } finally {
      await target.dispose();
    }
  });
});

describe.each(['coco', 'voc', 'yolo'] as DatasetFormat[])(
  '%s export → import into the same project',
  (format) => {
    it.each(['keep', 'replace', 'merge'] as const)(
      'changes nothing, whatever the choice (%s)',
      async (existing) => {
        const dir = path.join(source.dir, `same-${format}-${existing}`);
        await source.call('dataset.export', { format, dir, include: 'all' });
        const file = (await source.call('project.current'))!.path;
        const before = snapshot(file);
        const preview = await source.call('dataset.preview', { format, path: dir });
        const none = { changed: 0, added: 0, removed: 0 };
        expect(preview).toMatchObject({
          images: 17,
          newImages: 0,
          newBoxes: 0,
          existing: { found: 17, boxes: boxCount, keep: none, replace: none, merge: none },
          duplicates: [],
        });
        const report = await source.call('dataset.import', { format, path: dir, existing });
        expect(report).toMatchObject({
          images: 0,
          boxes: 0,
          existing: { found: 17, choice: existing, ...none },
          duplicates: [],
          undoId: null,
        });
        expect(snapshot(file)).toEqual(before);
      },
    );
  },
);

describe('export', () => {
  it('leaves unlabeled images out unless asked, and refuses a folder that is not empty', async () => {
    const h = startServices();
    try {
      await h.call('project.create', { path: path.join(h.dir, 'p.dwproj') });
      await h.call('images.add', { paths: [path.join(FIXTURES, 'cards', 'images')] });
      await h.call('dataset.import', {
        format: 'coco',
        path: path.join(FIXTURES, 'bccd', 'annotations.json'),
      });
      const labeled = await h.call('dataset.export', { format: 'yolo', dir: path.join(h.dir, 'a') });
      expect(labeled).toMatchObject({ images: 8, skipped: 8 });
      const all = await h.call('dataset.export', {
        format: 'yolo',
        dir: path.join(h.dir, 'b'),
        include: 'all',
      });
      expect(all).toMatchObject({ images: 16, skipped: 0 });
      await expect(
        h.call('dataset.export', { format: 'coco', dir: path.join(h.dir, 'a') }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('is not empty'),
      });
      const progress = h.eventsOf('task.progress').filter((p) => p.kind === 'dataset.export');
      expect(progress.at(-1)).toMatchObject({ state: 'failed' });
      expect(progress.filter((p) => p.state === 'done')).toHaveLength(2);
    } finally {
      await h.dispose();
    }
  });
});
