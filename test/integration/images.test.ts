import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bmpFromRgb } from '../unit/imaging/bmpFile';
import { jpegCutTo, jpegShortBy, pngClaiming } from '../unit/imaging/damagedImages';
import { copyFixture, startServices, type Harness } from './support/harness';

let h: Harness;
let data: string;
beforeEach(async () => {
  h = startServices();
  data = copyFixture('cards', h.dir);
  await h.call('project.create', { path: path.join(h.dir, 'cards.dwproj') });
});
afterEach(() => h.dispose());

const photo = () => path.join(data, 'images', 'cam_image1.jpg'); // 480×270

/** One folder with every kind of file a user drops on the app. */
async function messyFolder(): Promise<string> {
  const dir = path.join(h.dir, 'drop');
  mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
  mkdirSync(path.join(dir, 'old.dwproj-data', 'thumbs'), { recursive: true });
  copyFileSync(path.join(data, 'images', 'IMG_2448.JPG'), path.join(dir, 'card.jpg'));
  copyFileSync(path.join(data, 'images', 'IMG_2448.JPG'), path.join(dir, 'nested', 'same-card.jpeg'));
  await sharp(photo()).png().toFile(path.join(dir, 'photo.png'));
  await sharp(photo())
    .webp()
    .toFile(path.join(dir, 'nested', 'photo.webp'));
  await sharp(photo())
    .tiff()
    .toFile(path.join(dir, 'nested', 'deeper', 'photo.TIF'));
  await sharp(photo()).withMetadata({ orientation: 6 }).jpeg().toFile(path.join(dir, 'turned.jpg'));
  const raw = await sharp(path.join(data, 'images', 'IMG_2595.JPG'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  writeFileSync(path.join(dir, 'scan.bmp'), bmpFromRgb(raw.info.width, raw.info.height, raw.data));
  writeFileSync(path.join(dir, 'empty.jpg'), '');
  writeFileSync(path.join(dir, 'notes.jpg'), 'shopping list: eggs, milk');
  writeFileSync(path.join(dir, 'readme.txt'), 'not an image, not even named like one');
  writeFileSync(path.join(dir, '.hidden.jpg'), '');
  await sharp(photo())
    .webp()
    .toFile(path.join(dir, 'old.dwproj-data', 'thumbs', 'x.webp'));
  return dir;
}

describe('adding images', () => {
  it('adds a folder recursively: every format, sizes as displayed, failures and duplicates reported', async () => {
    const dir = await messyFolder();
    const r = await h.call('images.add', { paths: [dir, path.join(h.dir, 'nowhere.png')] });
    expect(r.added).toBe(6);
    expect(r.duplicates).toEqual([
      { path: path.join(dir, 'nested', 'same-card.jpeg'), sameAs: 'drop/card.jpg' },
    ]);
    expect(r.failed).toEqual([
      { path: path.join(h.dir, 'nowhere.png'), reason: 'file not found' },
      { path: path.join(dir, 'empty.jpg'), reason: 'empty file (0 bytes)' },
      {
        path: path.join(dir, 'notes.jpg'),
        reason: 'not an image (not JPEG, PNG, WebP, TIFF or BMP content)',
      },
    ]);
    const items = (await h.call('images.list', { order: 'added' })).items;
    expect(items.map((i) => [i.path, i.width, i.height, i.status])).toEqual([
      ['drop/card.jpg', 378, 504, 'unlabeled'],
      ['drop/nested/deeper/photo.TIF', 480, 270, 'unlabeled'],
      ['drop/nested/photo.webp', 480, 270, 'unlabeled'],
      ['drop/photo.png', 480, 270, 'unlabeled'],
      ['drop/scan.bmp', 378, 504, 'unlabeled'],
      ['drop/turned.jpg', 270, 480, 'unlabeled'],
    ]);
    expect((await h.call('project.current'))!.imageCount).toBe(6);
    const progress = h.eventsOf('task.progress').filter((p) => p.kind === 'images.add');
    expect(progress.at(-1)).toMatchObject({ state: 'done', done: 9, total: 9, label: 'Adding images' });
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: null });

    const again = await h.call('images.add', { paths: [path.join(dir, 'card.jpg')] });
    expect(again).toEqual({
      added: 0,
      duplicates: [{ path: path.join(dir, 'card.jpg'), sameAs: 'drop/card.jpg' }],
      failed: [],
      warnings: [],
    });
  });

  it('does not enter subfolders when not recursive', async () => {
    const dir = await messyFolder();
    const r = await h.call('images.add', { paths: [dir], recursive: false });
    expect(r.added).toBe(4);
  });

  it('stores images outside the project folder by absolute path', async () => {
    const other = path.join(h.dir, '..', `${path.basename(h.dir)}-outside.png`);
    await sharp(photo()).png().toFile(other);
    try {
      await h.call('images.add', { paths: [other] });
      expect((await h.call('images.list')).items[0]!.path).toBe(path.resolve(other));
    } finally {
      rmSync(other, { force: true });
    }
  });
});

describe('image files and thumbnails', () => {
  it('serves the file (TIFF as a PNG copy) and a 256 px WebP thumbnail, turned upright, made once', async () => {
    const dir = await messyFolder();
    await h.call('images.add', { paths: [dir] });
    const byName = new Map((await h.call('images.list')).items.map((i) => [i.fileName, i.id]));
    expect(await h.services.resolveImage('image', byName.get('card.jpg')!)).toEqual({
      path: path.join(dir, 'card.jpg'),
      contentType: 'image/jpeg',
    });

    const thumb = (await h.services.resolveImage('thumb', byName.get('turned.jpg')!))!.path;
    expect(thumb.startsWith(path.join(h.dir, 'cards.dwproj-data', 'thumbs'))).toBe(true);
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'webp', width: 144, height: 256 });
    expect((await h.services.resolveImage('thumb', byName.get('turned.jpg')!))!.path).toBe(thumb);

    const bmpThumb = (await h.services.resolveImage('thumb', byName.get('scan.bmp')!))!.path;
    const expected = await sharp(path.join(data, 'images', 'IMG_2595.JPG'))
      .resize(192, 256)
      .raw()
      .toBuffer();
    const got = await sharp(bmpThumb).raw().toBuffer();
    expect(got.length).toBe(expected.length);
    const meanDiff = got.reduce((s, v, i) => s + Math.abs(v - expected[i]!), 0) / got.length;
    expect(meanDiff).toBeLessThan(8); // WebP at quality 80 against the same pixels

    // A browser cannot show TIFF: the full image is served as a PNG display copy, same pixels.
    const tiff = (await h.services.resolveImage('image', byName.get('photo.TIF')!))!.path;
    expect(tiff.startsWith(path.join(h.dir, 'cards.dwproj-data', 'display'))).toBe(true);
    expect(await sharp(tiff).metadata()).toMatchObject({ format: 'png', width: 480, height: 270 });
    expect(await sharp(tiff).raw().toBuffer()).toEqual(
      await sharp(path.join(dir, 'nested', 'deeper', 'photo.TIF'))
        .raw()
        .toBuffer(),
    );

    expect(await h.services.resolveImage('image', 999)).toBeNull();
    expect(await h.services.resolveImage('thumb', 999)).toBeNull();
  });

  it('decodes every file once when adding: a cut JPEG is refused, one short at its end added with a warning', async () => {
    const cut = path.join(h.dir, 'cut.jpg');
    const short = path.join(h.dir, 'short.jpg');
    const huge = path.join(h.dir, 'huge.png');
    writeFileSync(cut, jpegCutTo(1 / 3));
    writeFileSync(short, jpegShortBy(20));
    writeFileSync(huge, await pngClaiming(30000, 30000));
    const r = await h.call('images.add', { paths: [cut, short, huge] });
    expect(r).toEqual({
      added: 1,
      duplicates: [],
      failed: [
        {
          path: cut,
          reason: expect.stringMatching(/^cut short: the bottom \d+ of its 504 pixel rows are missing$/),
        },
        { path: huge, reason: '30000 × 30000 pixels is more than the limit of 100 megapixels' },
      ],
      warnings: [
        {
          path: short,
          reason: 'its last bytes are missing; it is shown as browsers show it',
        },
      ],
    });
    const [img] = (await h.call('images.list')).items;
    expect(img).toMatchObject({ fileName: 'short.jpg', problem: null });
    expect(await h.services.resolveImage('thumb', img!.id)).toMatchObject({ contentType: 'image/webp' });
  });

  it('serves a file only while it is the file that was added; flags it changed otherwise, and serves it again once back', async () => {
    const dir = path.join(h.dir, 'shots');
    mkdirSync(dir);
    const file = path.join(dir, 'card.jpg');
    const original = readFileSync(path.join(data, 'images', 'IMG_2448.JPG'));
    writeFileSync(file, original);
    await h.call('images.add', { paths: [dir] });
    const [img] = (await h.call('images.list')).items;
    const id = img!.id;
    expect(await h.services.resolveImage('image', id)).toEqual({ path: file, contentType: 'image/jpeg' });

    // The path now leads to a text file (a link, named like the image): not served, flagged.
    const secret = path.join(h.dir, 'secret.txt');
    writeFileSync(secret, 'password=hunter2');
    rmSync(file);
    symlinkSync(secret, file);
    expect(await h.services.resolveImage('image', id)).toBeNull();
    expect(await h.services.resolveImage('thumb', id)).toBeNull();
    expect((await h.call('images.get', { id })).problem).toBe(
      'the file changed since it was added (other content)',
    );
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: [id] });

    // Other bytes of the same size are another file too.
    rmSync(file);
    const other = Buffer.from(original);
    other[other.length - 100] = 255 - other[other.length - 100]!;
    writeFileSync(file, other);
    expect(await h.services.resolveImage('image', id)).toBeNull();

    // The same bytes again, with a new modification time: the image, served, the flag cleared.
    writeFileSync(file, original);
    utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect(await h.services.resolveImage('image', id)).toEqual({ path: file, contentType: 'image/jpeg' });
    expect((await h.call('images.get', { id })).problem).toBeNull();

    rmSync(file);
    expect(await h.services.resolveImage('image', id)).toBeNull();
    expect((await h.call('images.get', { id })).problem).toBe('file not found');
  });
});

describe('image status, split and removal', () => {
  it('sets status and split, reassigns splits reproducibly, and removes images with their boxes', async () => {
    await h.call('images.add', { paths: [path.join(data, 'images')] });
    const ids = (await h.call('images.list', { order: 'added' })).items.map((i) => i.id);
    await h.call('images.setStatus', { ids: ids.slice(0, 2), status: 'reviewed' });
    await h.call('images.setSplit', { ids: [ids[0]!], split: 'val' });
    expect(await h.call('images.get', { id: ids[0]! })).toMatchObject({ status: 'reviewed', split: 'val' });
    await expect(
      h.call('images.setStatus', { ids: [ids[0]!, 999], status: 'labeled' }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: 'No image with id 999',
    });
    expect((await h.call('images.get', { id: ids[0]! })).status).toBe('reviewed');

    const first = await h.call('images.assignSplits', { valFraction: 0.25, seed: 42 });
    expect(first).toEqual({ train: 6, val: 2 });
    const splits = (await h.call('images.list', { order: 'added' })).items.map((i) => i.split);
    await h.call('images.assignSplits', { seed: 1 });
    await h.call('images.assignSplits', { valFraction: 0.25, seed: 42 });
    expect((await h.call('images.list', { order: 'added' })).items.map((i) => i.split)).toEqual(splits);

    const cls = await h.call('classes.add', { name: 'card' });
    await h.call('boxes.replace', {
      imageId: ids[1]!,
      boxes: [{ classId: cls.id, x: 1, y: 1, w: 10, h: 10 }],
    });
    const thumb = (await h.services.resolveImage('thumb', ids[1]!))!.path;
    await h.call('images.remove', { ids: [ids[1]!] });
    expect(existsSync(thumb)).toBe(false);
    expect(await h.call('project.current')).toMatchObject({ imageCount: 7, boxCount: 0 });
    await expect(h.call('images.get', { id: ids[1]! })).rejects.toMatchObject({ code: 'not_found' });
    expect((await h.call('classes.list'))[0]!.boxCount).toBe(0);
  });
});
