import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppSession, callFromPage, openApp, ROOT, screenshot, type ServeProcess } from './harness';

// The start screen makes a whole project in one go: a dataset imported, or a folder of images added.
// When a step fails, no project is open afterwards and the banner says why, naming the file.

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-start-'));
const cards = path.join(work, 'cards');
const broken = path.join(work, 'broken');
const fixture = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/datasets/cards/annotations.json'), 'utf8'),
) as { images: unknown[]; annotations: unknown[]; categories: Array<{ name: string }> };

beforeAll(async () => {
  cpSync(path.join(ROOT, 'test/fixtures/datasets/cards'), cards, { recursive: true });
  // The same dataset with its json cut off in the middle.
  cpSync(path.join(ROOT, 'test/fixtures/datasets/cards'), broken, { recursive: true });
  const text = readFileSync(path.join(cards, 'annotations.json'), 'utf8');
  writeFileSync(path.join(broken, 'annotations.json'), text.slice(0, Math.floor(text.length / 2)));
  cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd/images'), path.join(work, 'cells'), {
    recursive: true,
  });
  app = await openApp();
  ({ serve, page, errors } = app);
});

afterAll(() => app?.close());

/** A method's answer as the server gives it to the page (no input). */
const ask = <T>(method: string) => callFromPage<T>(page, method);

/** The open project as the server sees it (null: none). */
const current = () => ask<{ path: string; imageCount: number } | null>('project.current');

async function fromDataset(jsonPath: string, projectFile?: string) {
  await page.selectOption('[data-testid=from-dataset-format]', 'coco');
  await page.fill('[data-testid=from-dataset-source] input', jsonPath);
  await page.click('[data-testid=from-dataset-source] button');
  if (projectFile) await page.fill('[data-testid=from-dataset-project]', projectFile);
  await page.click('[data-testid=from-dataset-create]');
}

async function classRows(): Promise<string[]> {
  await page.click('[data-testid=toggle-classes]');
  await page.waitForSelector('[data-testid=class-manager]');
  return page.$$eval('[data-class-row]', (rows) => rows.map((r) => r.getAttribute('data-class-row')!));
}

describe('a new project from the start screen', () => {
  it('imports a COCO dataset into a new project beside it and lands in the Library', async () => {
    await page.goto(serve.url);
    await page.waitForSelector('[data-testid=start-screen]');
    await page.fill('[data-testid=from-dataset-source] input', path.join(cards, 'annotations.json'));
    await page.click('[data-testid=from-dataset-source] button');
    // The project goes beside the dataset, named after its folder, unless the user changes it.
    expect(await page.inputValue('[data-testid=from-dataset-project]')).toBe(
      path.join(cards, 'cards.dwproj'),
    );
    await screenshot(page, 'start-screen');
    await page.click('[data-testid=from-dataset-create]');

    await page.waitForSelector('[data-testid=view-library]');
    const n = fixture.images.length;
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe(`${n} images`);
    expect(await page.textContent('[data-testid=library-notice]')).toContain(
      `Imported ${n} images, ${fixture.annotations.length} boxes and ${fixture.categories.length} classes`,
    );
    expect(await page.textContent('[data-testid=toggle-classes]')).toBe(
      `Classes (${fixture.categories.length})`,
    );
    expect((await classRows()).sort()).toEqual(fixture.categories.map((c) => c.name).sort());
    expect(await current()).toMatchObject({ path: path.join(cards, 'cards.dwproj'), imageCount: n });
    // Images below the project are stored relative to it: the folder can move.
    const db = new Database(path.join(cards, 'cards.dwproj'), { readonly: true });
    try {
      const paths = db.prepare('SELECT path FROM images').all() as Array<{ path: string }>;
      expect(paths.every((p) => !path.isAbsolute(p.path))).toBe(true);
    } finally {
      db.close();
    }
  });

  it('refuses a class hotkey that is an action shortcut, inline, and keeps the old one', async () => {
    const [first, second] = await page.$$eval('[data-class-row]', (rows) =>
      rows.map((r) => r.getAttribute('data-class-row')!),
    );
    const hotkeys = () => {
      const db = new Database(path.join(cards, 'cards.dwproj'), { readonly: true });
      try {
        return Object.fromEntries(
          (
            db.prepare('SELECT name, hotkey FROM classes').all() as Array<{ name: string; hotkey: string }>
          ).map((c) => [c.name, c.hotkey]),
        );
      } finally {
        db.close();
      }
    };
    const before = hotkeys();
    const input = `[data-class-row="${first}"] input.key`;
    await page.fill(input, 'w');
    await page.press(input, 'Tab');
    await expect
      .poll(() => page.textContent(`[data-testid=hotkey-refused]`))
      .toContain('W is the shortcut for “Draw a box”');
    expect(await page.inputValue(input)).toBe(before[first!]);
    // Another class's key is refused the same way, before the server is asked.
    await page.fill(input, before[second!]!);
    await page.press(input, 'Tab');
    await expect.poll(() => page.textContent(`[data-testid=hotkey-refused]`)).toContain(`class “${second}”`);
    expect(await page.inputValue(input)).toBe(before[first!]);
    expect(hotkeys()).toEqual(before);
    // A free key is taken, and the message goes.
    await page.fill(input, 'q');
    await page.press(input, 'Tab');
    await expect.poll(() => hotkeys()[first!]).toBe('q');
    expect(await page.locator('[data-testid=hotkey-refused]').count()).toBe(0);
    await page.click('[data-testid=toggle-classes]');
  });

  it('refuses to import over a project that has images, and leaves it closed and untouched', async () => {
    await page.click('[data-testid=close-project]');
    await page.waitForSelector('[data-testid=start-screen]');
    await fromDataset(path.join(cards, 'annotations.json'));
    await expect
      .poll(() => page.textContent('[data-testid=error-banner]'))
      .toContain(`A project already exists at ${path.join(cards, 'cards.dwproj')} (8 images)`);
    expect(await current()).toBeNull();
    expect(await page.locator('[data-testid=start-screen]').count()).toBe(1);
    await page.click('[data-testid=error-banner] button');
  });

  it('names the file of a malformed COCO json, opens no project, and reuses the empty one on retry', async () => {
    const json = path.join(broken, 'annotations.json');
    const projectFile = path.join(broken, 'broken.dwproj');
    await fromDataset(json);
    const banner = () => page.textContent('[data-testid=error-banner]');
    await expect.poll(banner).toContain(`The COCO import failed and nothing was imported: ${json}`);
    expect(await banner()).toContain('not valid JSON');
    expect(await banner()).toContain(`The project file ${projectFile} was created and is empty`);
    expect(await current()).toBeNull();
    expect(await page.locator('[data-testid=start-screen]').count()).toBe(1);
    expect(await page.locator('[data-testid=view-library]').count()).toBe(0);
    await screenshot(page, 'start-import-error');

    // Fixed file, same project file: the empty project is reused, not refused.
    cpSync(path.join(cards, 'annotations.json'), json);
    await page.click('[data-testid=from-dataset-create]');
    await page.waitForSelector('[data-testid=view-library]');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');
    expect(await page.textContent('[data-testid=library-notice]')).toContain('into the empty project');
    expect(await current()).toMatchObject({ path: projectFile, imageCount: 8 });
    expect(await page.locator('[data-testid=error-banner]').count()).toBe(0);
  });

  it('creates a project with a folder of images in one go', async () => {
    await page.click('[data-testid=close-project]');
    await page.waitForSelector('[data-testid=start-screen]');
    const folder = path.join(work, 'cells');
    await page.fill('[data-testid=from-folder-source] input', folder);
    await page.click('[data-testid=from-folder-source] button');
    expect(await page.inputValue('[data-testid=from-folder-project]')).toBe(
      path.join(folder, 'cells.dwproj'),
    );
    await page.click('[data-testid=from-folder-create]');
    await page.waitForSelector('[data-testid=view-library]');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');
    expect(await page.textContent('[data-testid=library-notice]')).toContain(`Added 8 images from ${folder}`);
    expect(existsSync(path.join(folder, 'cells.dwproj'))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('refuses a folder that does not exist: no project, no folder made, nothing added to the recent list', async () => {
    await page.click('[data-testid=close-project]');
    await page.waitForSelector('[data-testid=start-screen]');
    const recent = async () => (await ask<Array<{ path: string }>>('project.recent')).map((p) => p.path);
    const before = await recent();
    const typo = path.join(work, 'celss');
    await page.fill('[data-testid=from-folder-source] input', typo);
    await page.click('[data-testid=from-folder-source] button');
    await page.click('[data-testid=from-folder-create]');
    await expect
      .poll(() => page.textContent('[data-testid=error-banner]'))
      .toContain(`There is no folder at ${typo}: check the path. Nothing was created.`);
    expect(existsSync(typo)).toBe(false);
    expect(await current()).toBeNull();
    expect(await recent()).toEqual(before);
    expect(await page.locator('[data-testid=start-screen]').count()).toBe(1);
    await page.click('[data-testid=error-banner] button');
  });
});
