import { cpSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetFormat } from '../../src-main/shared/api/project';
import { jpegCutTo, jpegShortBy, pngClaiming, pngShortBy } from '../unit/imaging/damagedImages';
import { copyFixture, FIXTURES, snapshot, startServices, type Harness } from './support/harness';

const bomb = await pngClaiming(30000, 30000);
const cutPng = await pngShortBy(20);

let h: Harness;
let project: string;
let before: ReturnType<typeof snapshot>;
let n = 0;

beforeAll(async () => {
  h = startServices();
  project = (await h.call('project.create', { path: path.join(h.dir, 'work.dwproj') })).path;
  await h.call('dataset.import', { format: 'coco', path: path.join(FIXTURES, 'bccd', 'annotations.json') });
  await h.call('dataset.export', { format: 'voc', dir: path.join(h.dir, 'base-voc') });
  await h.call('dataset.export', { format: 'yolo', dir: path.join(h.dir, 'base-yolo') });
  before = snapshot(project);
});
afterAll(() => h.dispose());

/** A fresh copy of a dataset for one case to spoil. */
function dataset(kind: 'cards-coco' | 'voc' | 'yolo'): string {
  const dir = path.join(h.dir, `case-${++n}`);
  if (kind === 'cards-coco') return copyFixture('cards', dir);
  cpSync(path.join(h.dir, `base-${kind}`), dir, { recursive: true });
  return dir;
}

function editJson(file: string, edit: (doc: CocoDoc) => void): void {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as CocoDoc;
  edit(doc);
  writeFileSync(file, JSON.stringify(doc, null, 1));
}

interface CocoDoc {
  images: { file_name: string; width: unknown }[];
  annotations: { bbox: unknown; category_id: number; iscrowd?: number; segmentation?: unknown }[];
}

function replaceIn(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`test setup: nothing to replace in ${file}`);
  writeFileSync(file, next);
}

async function expectRefused(format: DatasetFormat, input: string, ...fragments: (string | RegExp)[]) {
  const error = await h.call('dataset.import', { format, path: input }).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(error, 'the import should fail').not.toBeNull();
  expect(error!.code).toBe('invalid_data');
  for (const f of fragments) expect(error!.message).toMatch(typeof f === 'string' ? literal(f) : f);
  // Nothing of the failed import reached the project.
  expect(snapshot(project)).toEqual(before);
  expect(h.eventsOf('task.progress').at(-1)).toMatchObject({ kind: 'dataset.import', state: 'failed' });
}

const literal = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('a COCO import that fails changes nothing', () => {
  const coco = (spoil: (dir: string, json: string) => void) => {
    const dir = dataset('cards-coco');
    const json = path.join(dir, 'annotations.json');
    spoil(dir, json);
    return json;
  };

  it('truncated JSON', async () => {
    const json = coco((_, f) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 3000)));
    await expectRefused('coco', json, json, /: line \d+, column \d+: not valid JSON/);
  });

  it('wrong types', async () => {
    const json = coco((_, f) => editJson(f, (d) => (d.annotations[3]!.bbox = '97,136,178,232')));
    await expectRefused(
      'coco',
      json,
      `${json}: annotations[3].bbox: expected [x, y, width, height] as 4 numbers`,
    );
    const json2 = coco((_, f) => editJson(f, (d) => (d.images[2]!.width = '378')));
    await expectRefused('coco', json2, `${json2}: images[2].width: expected an integer, got "378"`);
  });

  it('negative and zero-size boxes', async () => {
    const json = coco((_, f) => editJson(f, (d) => ((d.annotations[5]!.bbox as number[])[2] = -10)));
    await expectRefused('coco', json, 'annotations[5].bbox: box has width -10; it must be > 0');
    const json2 = coco((_, f) => editJson(f, (d) => ((d.annotations[6]!.bbox as number[])[3] = 0)));
    await expectRefused('coco', json2, 'annotations[6].bbox: box has height 0; it must be > 0');
  });

  it('a box outside its image (the last one of the file: everything is checked before anything is saved)', async () => {
    const json = coco((_, f) => editJson(f, (d) => (d.annotations.at(-1)!.bbox = [800, 400, 178, 232])));
    await expectRefused(
      'coco',
      json,
      `${json}: annotations[19]: box [x=800, y=400, w=178, h=232] lies outside the 960×540 image`,
    );
  });

  it('an unknown class id', async () => {
    const json = coco((_, f) => editJson(f, (d) => (d.annotations[0]!.category_id = 42)));
    await expectRefused('coco', json, `${json}: annotations[0].category_id: no category has id 42`);
  });

  it('a 0-byte image, a text file named .jpg, a missing image', async () => {
    const empty = coco((dir) => writeFileSync(path.join(dir, 'images', 'IMG_2596.JPG'), ''));
    await expectRefused(
      'coco',
      empty,
      /images\[\d\]: the image .*IMG_2596\.JPG cannot be used: empty file \(0 bytes\)/,
    );
    const text = coco((dir) => writeFileSync(path.join(dir, 'images', 'IMG_2598.JPG'), 'I am a text file\n'));
    await expectRefused('coco', text, /IMG_2598\.JPG cannot be used: not an image/);
    const missing = coco((_, f) => editJson(f, (d) => (d.images[0]!.file_name = 'nowhere.jpg')));
    await expectRefused(
      'coco',
      missing,
      `${missing}: images[0]: the image`,
      'nowhere.jpg cannot be used: file not found',
    );
  });

  it('a path that tries to leave its folder', async () => {
    const json = coco((dir, f) => {
      cpSync(path.join(dir, 'images', 'IMG_2596.JPG'), path.join(h.dir, 'secret.jpg'));
      editJson(f, (d) => (d.images[1]!.file_name = '../../secret.jpg'));
    });
    await expectRefused(
      'coco',
      json,
      `${json}: images[1].file_name: "../../secret.jpg" leaves the dataset folder`,
    );
    const abs = coco((_, f) => editJson(f, (d) => (d.images[1]!.file_name = path.join(h.dir, 'secret.jpg'))));
    await expectRefused('coco', abs, 'images[1].file_name', 'is an absolute path');
  });

  it('an image that is a link to a file outside the dataset folder (a photo, or a text file)', async () => {
    const photo = path.join(h.dir, 'outside.jpg');
    const text = path.join(h.dir, 'notes.png');
    cpSync(path.join(FIXTURES, 'cards', 'images', 'IMG_2596.JPG'), photo);
    writeFileSync(text, 'password=hunter2\n');
    for (const target of [photo, text]) {
      let link = '';
      const json = coco((dir) => {
        link = path.join(dir, 'images', 'IMG_2596.JPG');
        rmSync(link);
        symlinkSync(target, link);
      });
      await expectRefused(
        'coco',
        json,
        `${json}: images[`,
        `]: ${link} is a link to ${target}, outside the dataset folder ${path.dirname(json)}`,
      );
    }
    // A link that stays inside the folder is an ordinary image.
    const inside = coco((dir) => {
      const link = path.join(dir, 'images', 'IMG_2596.JPG');
      cpSync(link, path.join(dir, 'kept.jpg'));
      rmSync(link);
      symlinkSync(path.join(dir, 'kept.jpg'), link);
    });
    const g = startServices();
    try {
      await g.call('project.create', { path: path.join(g.dir, 'p.dwproj') });
      expect(await g.call('dataset.import', { format: 'coco', path: inside })).toMatchObject({ images: 8 });
    } finally {
      await g.dispose();
    }
  });

  it('a JPEG cut short in its picture, a PNG claiming 30000 × 30000 pixels, a cut PNG', async () => {
    const cut = coco((dir) => writeFileSync(path.join(dir, 'images', 'IMG_2603.JPG'), jpegCutTo(0.5)));
    await expectRefused(
      'coco',
      cut,
      `${cut}: images[`,
      /IMG_2603\.JPG cannot be used: cut short: the bottom 199 of its 504 pixel rows are missing$/,
    );
    const huge = coco((dir) => writeFileSync(path.join(dir, 'images', 'IMG_2598.JPG'), bomb));
    await expectRefused(
      'coco',
      huge,
      /IMG_2598\.JPG cannot be used: 30000 × 30000 pixels is more than the limit of 100 megapixels$/,
    );
    const short = coco((dir) => writeFileSync(path.join(dir, 'images', 'IMG_2599.JPG'), cutPng));
    await expectRefused('coco', short, /IMG_2599\.JPG cannot be used: damaged or cut short( \(|$)/);
  });
});

describe('a Pascal VOC import that fails changes nothing', () => {
  const xmlOf = (dir: string) =>
    path.join(dir, 'Annotations', readdirSync(path.join(dir, 'Annotations'))[2]!);

  it('malformed XML', async () => {
    const dir = dataset('voc');
    const xml = xmlOf(dir);
    writeFileSync(xml, readFileSync(xml, 'utf8').slice(0, 400));
    await expectRefused('voc', dir, xml, /: line \d+, column \d+: not valid XML/);
  });

  it('a box outside its image, and a coordinate that is not a number', async () => {
    const dir = dataset('voc');
    replaceIn(xmlOf(dir), /<xmax>[\d.]+<\/xmax>/, '<xmax>700</xmax>');
    await expectRefused('voc', dir, `${xmlOf(dir)}: <object> 1: box [`, 'lies outside the 640×480 image');
    const dir2 = dataset('voc');
    replaceIn(xmlOf(dir2), /<ymin>[\d.]+<\/ymin>/, '<ymin>twelve</ymin>');
    await expectRefused('voc', dir2, `${xmlOf(dir2)}: <object> 1 <ymin>: expected a number, got "twelve"`);
  });

  it('an image that is a link out of the dataset folder', async () => {
    const dir = dataset('voc');
    const image = path.join(dir, 'JPEGImages', readdirSync(path.join(dir, 'JPEGImages'))[0]!);
    const outside = path.join(h.dir, `voc-outside-${n}.jpg`);
    cpSync(image, outside);
    rmSync(image);
    symlinkSync(outside, image);
    await expectRefused(
      'voc',
      dir,
      `: <filename>: ${image} is a link to ${outside}, outside the dataset folder ${dir}`,
    );
  });

  it('a file name that leaves the folder', async () => {
    const dir = dataset('voc');
    replaceIn(xmlOf(dir), /<filename>.*<\/filename>/, '<filename>../../../secret.jpg</filename>');
    await expectRefused(
      'voc',
      dir,
      `${xmlOf(dir)}: <filename>: "../../../secret.jpg" leaves the dataset folder`,
    );
  });
});

describe('a YOLO import that fails changes nothing', () => {
  const labelOf = (dir: string) =>
    path.join(dir, 'labels', 'train', readdirSync(path.join(dir, 'labels', 'train'))[0]!);

  it('an unknown class id', async () => {
    const dir = dataset('yolo');
    writeFileSync(labelOf(dir), `${readFileSync(labelOf(dir), 'utf8')}7 0.5 0.5 0.1 0.1\n`);
    await expectRefused(
      'yolo',
      dir,
      `${labelOf(dir)}: line`,
      'class id 7 is not in data.yaml (it names 3 classes: 0 to 2)',
    );
  });

  it('a box outside its image, and a zero-size box', async () => {
    const dir = dataset('yolo');
    writeFileSync(labelOf(dir), '0 0.95 0.5 0.3 0.1\n');
    await expectRefused(
      'yolo',
      dir,
      `${labelOf(dir)}: line 1: box [x=512, y=216, w=192, h=48] lies outside the 640×480 image`,
    );
    const dir2 = dataset('yolo');
    writeFileSync(labelOf(dir2), '0 0.5 0.5 0 0.1\n');
    await expectRefused('yolo', dir2, `${labelOf(dir2)}: line 1: box has width 0; it must be > 0`);
  });

  it('an image that is a link out of the dataset folder', async () => {
    const dir = dataset('yolo');
    const images = path.join(dir, 'images', 'train');
    const image = path.join(images, readdirSync(images)[0]!);
    const outside = path.join(h.dir, `yolo-outside-${n}.jpg`);
    cpSync(image, outside);
    rmSync(image);
    symlinkSync(outside, image);
    await expectRefused('yolo', dir, `${image} is a link to ${outside}, outside the dataset folder ${dir}`);
  });

  it('a split folder that leaves the dataset', async () => {
    const dir = dataset('yolo');
    replaceIn(path.join(dir, 'data.yaml'), 'train: images/train', 'train: ../../elsewhere');
    await expectRefused(
      'yolo',
      dir,
      `${path.join(dir, 'data.yaml')}: train: "../../elsewhere" leaves the dataset folder`,
    );
  });
});

describe('an image short at its end', () => {
  it('is imported, decoded as browsers show it, with a warning naming it', async () => {
    const g = startServices();
    try {
      await g.call('project.create', { path: path.join(g.dir, 'p.dwproj') });
      const dir = copyFixture('cards', g.dir);
      const file = path.join(dir, 'images', 'IMG_2603.JPG');
      writeFileSync(file, jpegShortBy(20));
      const r = await g.call('dataset.import', { format: 'coco', path: path.join(dir, 'annotations.json') });
      expect(r).toMatchObject({ images: 8, boxes: 20 });
      expect(r.warnings).toEqual([`${file}: its last bytes are missing; it is shown as browsers show it`]);
      const img = (await g.call('images.list', { filter: { search: 'IMG_2603' } })).items[0]!;
      expect(await g.services.resolveImage('thumb', img.id)).toMatchObject({ contentType: 'image/webp' });
    } finally {
      await g.dispose();
    }
  });
});

describe('content the app does not model', () => {
  it('is imported as boxes where it has them, and reported by kind and count', async () => {
    const g = startServices();
    try {
      await g.call('project.create', { path: path.join(g.dir, 'p.dwproj') });
      const dir = copyFixture('cards', g.dir);
      editJson(path.join(dir, 'annotations.json'), (d) => {
        d.annotations[0]!.iscrowd = 1;
        d.annotations[1]!.segmentation = [[97, 136, 275, 136, 200, 368]];
        d.annotations[2]!.segmentation = [[97, 136, 275, 136, 200, 368]];
      });
      const r = await g.call('dataset.import', { format: 'coco', path: path.join(dir, 'annotations.json') });
      expect(r).toMatchObject({ images: 8, boxes: 19 });
      expect(r.unsupported).toEqual([
        { what: 'crowd regions (iscrowd = 1; not imported)', count: 1 },
        { what: 'segmentation polygons (their boxes were imported)', count: 2 },
      ]);
    } finally {
      await g.dispose();
    }
  });
});
