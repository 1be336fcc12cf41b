import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MERGE_IOU } from '../../src-main/services/importPlan';
import { copyFixture, snapshot, startServices, type Harness } from './support/harness';

// Importing into a project that has work in it: nothing the user did is lost or overwritten unless
// they chose so, what each choice would do is counted first, and a whole import is one undo.

let h: Harness;
let cards: string;
let json: string;
let project: string;

beforeEach(async () => {
  h = startServices();
  cards = copyFixture('cards', h.dir);
  json = path.join(cards, 'annotations.json');
  project = (await h.call('project.create', { path: path.join(h.dir, 'cards.dwproj') })).path;
  await h.call('dataset.import', { format: 'coco', path: json });
});
afterEach(() => h.dispose());

/** Rows the user's work lives in; the sequence table aside (an undone import's ids are never reused). */
const work = () => {
  const { sequence: _sequence, ...rest } = snapshot(project);
  return rest;
};

async function imageNamed(name: string) {
  const page = await h.call('images.list', { filter: { search: name } });
  return page.items[0]!;
}

async function classId(name: string) {
  return (await h.call('classes.list')).find((c) => c.name === name)!.id;
}

/** A COCO file beside the fixture's images, naming one of them with the given boxes. */
function cocoFor(file: string, boxes: { category: number; bbox: number[] }[]): string {
  const doc = JSON.parse(readFileSync(json, 'utf8')) as {
    images: { id: number; file_name: string }[];
    categories: unknown[];
  };
  const image = doc.images.find((i) => i.file_name === file)!;
  const out = path.join(cards, `${file}.json`);
  writeFileSync(
    out,
    JSON.stringify({
      images: [image],
      categories: doc.categories,
      annotations: boxes.map((b, i) => ({
        id: i + 1,
        image_id: image.id,
        category_id: b.category,
        bbox: b.bbox,
      })),
    }),
  );
  return out;
}

describe('importing images the project already has', () => {
  it('keeps the user’s boxes by default, after counting what each choice would do', async () => {
    const img = await imageNamed('IMG_2448');
    const [imported] = await h.call('boxes.get', { imageId: img.id });
    const ace = await classId('ace');
    // Drawn by hand, an accepted suggestion, and the imported box moved a little.
    const mine = [
      { classId: ace, x: 10, y: 20, w: 30, h: 40 },
      { classId: await classId('king'), x: 200, y: 300, w: 50, h: 60, source: 'model' as const, score: 0.87 },
      { classId: ace, x: imported!.x + 1, y: imported!.y, w: imported!.w, h: imported!.h },
    ];
    await h.call('boxes.replace', { imageId: img.id, boxes: mine });
    const before = work();

    const preview = await h.call('dataset.preview', { format: 'coco', path: json });
    expect(preview).toMatchObject({
      images: 8,
      newImages: 0,
      newBoxes: 0,
      existing: {
        found: 8,
        boxes: 20,
        keep: { changed: 0, added: 0, removed: 0 },
        // Replace: this image's three boxes go and the file's one comes back.
        replace: { changed: 1, added: 1, removed: 3 },
        // Merge: the file's box overlaps the moved one (IoU 127/129 ≥ 0.95): nothing to add.
        merge: { changed: 0, added: 0, removed: 0 },
      },
    });
    expect(work()).toEqual(before);

    const report = await h.call('dataset.import', { format: 'coco', path: json });
    expect(report).toMatchObject({
      images: 0,
      boxes: 0,
      existing: { found: 8, choice: 'keep', changed: 0, added: 0, removed: 0 },
      undoId: null,
    });
    expect(work()).toEqual(before);
    expect((await h.call('boxes.get', { imageId: img.id })).map(({ id: _id, ...b }) => b)).toEqual([
      { ...mine[0], source: 'manual', score: null },
      mine[1],
      { ...mine[2], source: 'manual', score: null },
    ]);
  });

  it(`replaces, or merges adding only boxes no box of the same class overlaps at IoU ≥ ${MERGE_IOU}`, async () => {
    const img = await imageNamed('IMG_2448');
    const ace = await classId('ace');
    await h.call('boxes.replace', {
      imageId: img.id,
      boxes: [{ classId: ace, x: 10, y: 10, w: 100, h: 100 }],
    });
    // Category 6 is ace, 5 is king. IoU with the project's box: 1, 97.5/102.5 = 0.951, 97/103 = 0.942.
    const file = cocoFor('IMG_2448.JPG', [
      { category: 6, bbox: [10, 10, 100, 100] },
      { category: 6, bbox: [12.5, 10, 100, 100] },
      { category: 6, bbox: [13, 10, 100, 100] },
      { category: 5, bbox: [10, 10, 100, 100] },
    ]);
    const preview = await h.call('dataset.preview', { format: 'coco', path: file });
    expect(preview.existing).toEqual({
      found: 1,
      boxes: 4,
      keep: { changed: 0, added: 0, removed: 0 },
      replace: { changed: 1, added: 4, removed: 1 },
      merge: { changed: 1, added: 2, removed: 0 },
    });
    const before = work();
    const boxes = async () =>
      (await h.call('boxes.get', { imageId: img.id })).map((b) => [b.classId, b.x, b.y, b.w, b.h]);

    const merged = await h.call('dataset.import', { format: 'coco', path: file, existing: 'merge' });
    expect(merged).toMatchObject({
      images: 0,
      boxes: 2,
      existing: { choice: 'merge', changed: 1, added: 2 },
    });
    const king = await classId('king');
    expect(await boxes()).toEqual([
      [ace, 10, 10, 100, 100],
      [ace, 13, 10, 100, 100],
      [king, 10, 10, 100, 100],
    ]);
    await h.call('dataset.undoImport', { id: merged.undoId! });
    expect(work()).toEqual(before);

    const replaced = await h.call('dataset.import', { format: 'coco', path: file, existing: 'replace' });
    expect(replaced).toMatchObject({
      boxes: 4,
      existing: { choice: 'replace', changed: 1, added: 4, removed: 1 },
    });
    expect(await boxes()).toEqual([
      [ace, 10, 10, 100, 100],
      [ace, 12.5, 10, 100, 100],
      [ace, 13, 10, 100, 100],
      [king, 10, 10, 100, 100],
    ]);
    expect(await h.call('dataset.undoImport', { id: replaced.undoId! })).toEqual({
      removed: 0,
      restored: 1,
      keptClasses: 0,
    });
    expect(work()).toEqual(before);
  });
});

describe('undo', () => {
  it('takes a whole import back in one step: new images, new classes, replaced boxes and splits', async () => {
    const img = await imageNamed('IMG_2448');
    await h.call('boxes.replace', { imageId: img.id, boxes: [] });
    const edited = work();
    const other = path.join(h.dir, 'other');
    mkdirSync(path.join(other, 'images'), { recursive: true });
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808' } })
      .png()
      .toFile(path.join(other, 'images', 'purple.png'));
    writeFileSync(
      path.join(other, 'annotations.json'),
      JSON.stringify({
        images: [
          { id: 1, file_name: 'purple.png', split: 'val' },
          { id: 2, file_name: '../cards/images/IMG_2448.JPG', split: 'val' },
        ],
        categories: [{ id: 1, name: 'blob' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] }],
      }),
    );
    // The second entry leaves its folder: refused, nothing changed.
    await expect(
      h.call('dataset.import', { format: 'coco', path: path.join(other, 'annotations.json') }),
    ).rejects.toMatchObject({ code: 'invalid_data' });
    expect(work()).toEqual(edited);

    const imported = await h.call('dataset.import', {
      format: 'coco',
      path: json,
      imagesDir: path.join(cards, 'images'),
      existing: 'replace',
    });
    expect(imported.existing).toMatchObject({ changed: 1, added: 1, removed: 0 });
    expect(work()).not.toEqual(edited);
    expect(await h.call('dataset.undoImport', { id: imported.undoId! })).toEqual({
      removed: 0,
      restored: 1,
      keptClasses: 0,
    });
    expect(work()).toEqual(edited);

    writeFileSync(
      path.join(other, 'annotations.json'),
      JSON.stringify({
        images: [{ id: 1, file_name: 'purple.png', split: 'val' }],
        categories: [{ id: 1, name: 'blob' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] }],
      }),
    );
    const added = await h.call('dataset.import', {
      format: 'coco',
      path: path.join(other, 'annotations.json'),
    });
    expect(added).toMatchObject({ images: 1, boxes: 1, classes: 1 });
    expect((await h.call('project.current'))!.imageCount).toBe(9);
    expect(await h.call('dataset.undoImport', { id: added.undoId! })).toEqual({
      removed: 1,
      restored: 0,
      keptClasses: 0,
    });
    expect(work()).toEqual(edited);
    expect((await h.call('classes.list')).map((c) => c.name)).not.toContain('blob');
  });

  it('is refused when an image of the import changed since (the later work is never undone), and once done', async () => {
    const img = await imageNamed('IMG_2448');
    await h.call('boxes.replace', { imageId: img.id, boxes: [] });
    const r = await h.call('dataset.import', { format: 'coco', path: json, existing: 'replace' });
    const ace = await classId('ace');
    await h.call('boxes.replace', { imageId: img.id, boxes: [{ classId: ace, x: 1, y: 1, w: 5, h: 5 }] });
    const after = work();
    await expect(h.call('dataset.undoImport', { id: r.undoId! })).rejects.toMatchObject({
      code: 'conflict',
      message:
        'The import cannot be undone: 1 of its images changed since (IMG_2448.JPG), and undoing it would lose those changes',
    });
    expect(work()).toEqual(after);

    // Put back as the import left it, the undo goes ahead; a second undo of the same import is refused.
    const [box] = readAnnotations().filter((a) => a.file === 'IMG_2448.JPG');
    await h.call('boxes.replace', {
      imageId: img.id,
      boxes: [{ classId: ace, x: box!.bbox[0]!, y: box!.bbox[1]!, w: box!.bbox[2]!, h: box!.bbox[3]! }],
    });
    await h.call('dataset.undoImport', { id: r.undoId! });
    expect(await h.call('boxes.get', { imageId: img.id })).toEqual([]);
    await expect(h.call('dataset.undoImport', { id: r.undoId! })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

function readAnnotations() {
  const doc = JSON.parse(readFileSync(json, 'utf8')) as {
    images: { id: number; file_name: string }[];
    annotations: { image_id: number; bbox: number[] }[];
  };
  const name = new Map(doc.images.map((i) => [i.id, i.file_name]));
  return doc.annotations.map((a) => ({ file: name.get(a.image_id)!, bbox: a.bbox }));
}

describe('images with identical bytes', () => {
  it('are all kept with their own boxes, listed as duplicates, and found by the Library filter', async () => {
    const dir = path.join(h.dir, 'blank');
    mkdirSync(path.join(dir, 'images'), { recursive: true });
    const blank = await sharp({ create: { width: 100, height: 80, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const names = Array.from({ length: 12 }, (_, i) => `blank_${String(i).padStart(2, '0')}.png`);
    for (const n of names) writeFileSync(path.join(dir, 'images', n), blank);
    // 30 boxes over the 12 images: 3 on the first six, 2 on the others.
    const annotations = names.flatMap((_, i) =>
      Array.from({ length: i < 6 ? 3 : 2 }, (__, k) => ({
        image_id: i + 1,
        bbox: [k * 10, k * 5, 8 + i, 6 + k],
      })),
    );
    expect(annotations).toHaveLength(30);
    writeFileSync(
      path.join(dir, 'annotations.json'),
      JSON.stringify({
        images: names.map((n, i) => ({ id: i + 1, file_name: n, width: 100, height: 80 })),
        categories: [{ id: 1, name: 'mark' }],
        annotations: annotations.map((a, i) => ({ id: i + 1, category_id: 1, ...a })),
      }),
    );
    await h.call('project.close');
    await h.call('project.create', { path: path.join(h.dir, 'blank.dwproj') });
    const r = await h.call('dataset.import', { format: 'coco', path: path.join(dir, 'annotations.json') });
    expect(r).toMatchObject({ images: 12, boxes: 30 });
    const first = path.join(dir, 'images', names[0]!);
    expect(r.duplicates).toEqual(
      names.slice(1).map((n) => ({ path: path.join(dir, 'images', n), sameAs: first })),
    );
    expect(r.warnings[0]).toMatch(
      /^11 images repeat the bytes of another image; all were kept, each with its own boxes/,
    );

    const listed = await h.call('images.list', { filter: { duplicates: true } });
    expect(listed.total).toBe(12);
    expect(listed.items.map((i) => i.boxCount)).toEqual([3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2]);
    expect((await h.call('images.list', { filter: { duplicates: false } })).total).toBe(0);

    const out = path.join(h.dir, 'blank-yolo');
    expect(await h.call('dataset.export', { format: 'yolo', dir: out })).toMatchObject({
      images: 12,
      boxes: 30,
    });
    // One line per box, over every split's label files.
    const lines = readdirSync(path.join(out, 'labels'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .flatMap((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8').split('\n').filter(Boolean));
    expect(lines).toHaveLength(30);
  });
});
