import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegShortBy } from '../unit/imaging/damagedImages';
import { type AppSession, callFromPage, openApp, ROOT, screenshot } from './harness';

// Importing into a project that has work in it, in the Library: the user chooses what happens to the
// images it has already, seeing each choice's counts first, and can take the whole import back.

let app: AppSession;
let page: Page;
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-import-'));
const cards = path.join(work, 'cards');
const json = path.join(cards, 'annotations.json');

beforeAll(async () => {
  cpSync(path.join(ROOT, 'test/fixtures/datasets/cards'), cards, { recursive: true });
  app = await openApp();
  page = app.page;
});
afterAll(() => app?.close());

const call = <T>(method: string, payload: unknown = {}) => callFromPage<T>(page, method, payload);

interface Box {
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
  source: string;
  score: number | null;
}
const boxesOf = async (imageId: number) =>
  (await call<Box[]>('boxes.get', { imageId })).map(({ classId, x, y, w, h, source, score }) => ({
    classId,
    x,
    y,
    w,
    h,
    source,
    score,
  }));

async function importInLibrary(file: string) {
  // The panel stays open after a cancelled import.
  if ((await page.locator('[data-testid=import-path]').count()) === 0) {
    await page.click('[data-testid=toggle-import]');
  }
  await page.selectOption('[data-testid=dataset-format]', 'coco');
  await page.fill('[data-testid=import-path] input', file);
  await page.click('[data-testid=import-path] button');
}

describe('importing into a project that has work in it', () => {
  let imageId = 0;
  let mine: Box[] = [];

  it('asks what happens to the images it has already, with the counts, and keeps the user’s work by default', async () => {
    await page.goto(app.serve.url);
    await page.waitForSelector('[data-testid=start-screen]');
    await page.fill('[data-testid=from-dataset-source] input', json);
    await page.click('[data-testid=from-dataset-source] button');
    await page.click('[data-testid=from-dataset-create]');
    await page.waitForSelector('[data-testid=view-library]');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');

    // Boxes drawn by hand and an accepted suggestion on one image.
    const images = await call<{ items: { id: number; fileName: string }[] }>('images.list', {});
    imageId = images.items.find((i) => i.fileName === 'IMG_2448.JPG')!.id;
    const classes = await call<{ id: number; name: string }[]>('classes.list');
    const ace = classes.find((c) => c.name === 'ace')!.id;
    await call('boxes.replace', {
      imageId,
      boxes: [
        { classId: ace, x: 10, y: 20, w: 30, h: 40 },
        { classId: ace, x: 200, y: 300, w: 50, h: 60, source: 'model', score: 0.87 },
      ],
    });
    mine = await boxesOf(imageId);

    await importInLibrary(json);
    await page.waitForSelector('[data-testid=dialog]');
    expect(await page.textContent('[data-testid=dialog] h2')).toBe(
      '8 images of this 8-image dataset are in the project already',
    );
    const details = await page.$$eval('[data-testid=dialog-details] li', (li) =>
      li.map((l) => l.textContent),
    );
    expect(details).toEqual([
      'Keep mine: they stay as they are; the dataset’s 20 boxes for them are left out.',
      'Replace: on 1 image, 2 boxes of yours removed and 1 box of the dataset’s put in their place.',
      'Keep both: 1 box of the dataset’s added to 1 image; a box you have already (same class, overlapping 95 % or more) is not added twice.',
    ]);
    await screenshot(page, 'import-existing-choice');
    await page.click('[data-choice=keep]');
    await expect
      .poll(() => page.textContent('[data-testid=library-notice]'))
      .toContain('8 images already in the project kept as they were');
    expect(await boxesOf(imageId)).toEqual(mine);
  });

  it('replaces when asked, and undoes the whole import in one step', async () => {
    await importInLibrary(json);
    await page.waitForSelector('[data-testid=dialog]');
    await page.click('[data-choice=replace]');
    await expect
      .poll(() => page.textContent('[data-testid=library-notice]'))
      .toContain('boxes replaced on 1 image already in the project');
    expect(await boxesOf(imageId)).not.toEqual(mine);
    await page.click('[data-testid=undo-import]');
    await expect.poll(() => page.textContent('[data-testid=library-notice]')).toContain('Import undone');
    expect(await boxesOf(imageId)).toEqual(mine);
  });

  it('changes nothing when the dialog is cancelled', async () => {
    await importInLibrary(json);
    await page.waitForSelector('[data-testid=dialog]');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid=dialog]').count()).toBe(0);
    expect(await boxesOf(imageId)).toEqual(mine);
  });

  it('shows every warning, and filters the images whose bytes repeat another’s', async () => {
    // Another dataset: two images with the bytes of one already there, and a JPEG short at its end.
    const more = path.join(work, 'more');
    cpSync(cards, more, { recursive: true });
    const doc = JSON.parse(readFileSync(path.join(more, 'annotations.json'), 'utf8')) as {
      images: { id: number; file_name: string }[];
      annotations: unknown[];
      categories: unknown[];
    };
    cpSync(path.join(more, 'images', 'IMG_2448.JPG'), path.join(more, 'images', 'copy1.jpg'));
    cpSync(path.join(more, 'images', 'IMG_2448.JPG'), path.join(more, 'images', 'copy2.jpg'));
    writeFileSync(path.join(more, 'images', 'short.jpg'), jpegShortBy(20));
    doc.images = [
      { id: 1, file_name: 'copy1.jpg' },
      { id: 2, file_name: 'copy2.jpg' },
      { id: 3, file_name: 'short.jpg' },
    ];
    doc.annotations = [];
    writeFileSync(path.join(more, 'annotations.json'), JSON.stringify(doc));
    await importInLibrary(path.join(more, 'annotations.json'));
    // copy1.jpg has the bytes of IMG_2448.JPG: it is that image, found by content; copy2.jpg is new.
    await page.waitForSelector('[data-testid=dialog]');
    await page.click('[data-choice=keep]');
    await expect.poll(() => page.textContent('[data-testid=library-notice]')).toContain('2 warnings');
    const lines = await page.$$eval('[data-testid=library-notice-details] li', (li) =>
      li.map((l) => l.textContent ?? ''),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `${path.join(more, 'images', 'short.jpg')}: its last bytes are missing; it is shown as browsers show it`,
    );
    expect(lines[1]).toMatch(/^1 image repeats the bytes of another image; all were kept/);

    await page.selectOption('[data-testid=filter-duplicates]', 'true');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('2 images');
    await page.selectOption('[data-testid=filter-duplicates]', '');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('10 images');
    expect(app.errors).toEqual([]);
  });
});
