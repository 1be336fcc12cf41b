import Database from 'better-sqlite3';
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppSession,
  createProjectFromFolder,
  openApp,
  ROOT,
  screenshot,
  type ServeProcess,
  stageView,
} from './harness';

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-label-'));
const projectFile = path.join(work, 'cells.dwproj');
const imagesDir = path.join(work, 'images');

beforeAll(async () => {
  cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd/images'), imagesDir, { recursive: true });
  app = await openApp();
  ({ serve, page, errors } = app);
});

afterAll(() => app?.close());

/** Image pixels → page pixels, from the stage's view once the image is drawn. */
async function imageToPage() {
  const v = await stageView(page);
  return { s: v.scale, at: (x: number, y: number) => v.toPage({ x, y }) };
}

async function drag(from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

function boxesInDatabase() {
  const db = new Database(projectFile, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT c.name AS cls, b.x, b.y, b.w, b.h, i.file_name AS file, i.status
         FROM boxes b JOIN classes c ON c.id = b.class_id JOIN images i ON i.id = b.image_id ORDER BY b.x`,
      )
      .all() as Array<{
      cls: string;
      x: number;
      y: number;
      w: number;
      h: number;
      file: string;
      status: string;
    }>;
  } finally {
    db.close();
  }
}

describe('labeling in Chromium (serve mode, real project file)', () => {
  it('creates a project from the start screen and adds a folder of images', async () => {
    await page.goto(serve.url);
    await page.waitForSelector('[data-testid=start-screen]');
    await screenshot(page, 'labeling-start');
    await createProjectFromFolder(page, { projectFile, imagesDir, imageCount: 8, classes: ['RBC', 'WBC'] });
  });

  it('draws two boxes, re-classes one by hotkey, undoes that, and the SQLite file holds exactly the boxes', async () => {
    await page.dblclick('[data-image-id]:first-child');
    await page.waitForSelector('[data-testid=view-annotate]');
    await expect.poll(() => page.textContent('[data-testid=image-name]')).toBe('BloodImage_00066.jpg');
    const { at } = await imageToPage();

    await page.keyboard.press('w');
    await drag(at(100, 80), at(220, 200));
    await page.keyboard.press('w');
    await drag(at(300, 250), at(420, 330));
    await expect.poll(() => page.locator('[data-testid=box-list] li[data-box-class]').count()).toBe(2);

    // The second box is selected after drawing: '2' makes it WBC, then Ctrl+Z takes that back.
    await page.keyboard.press('2');
    await expect.poll(() => page.locator('[data-box-class=WBC]').count()).toBe(1);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-box-class=WBC]').count()).toBe(0);
    await expect.poll(() => page.textContent('[data-testid=save-state]')).toBe('Saved');
    await screenshot(page, 'annotate');

    // Next image and back (D / A), then a reload: the boxes come from the database each time.
    await page.keyboard.press('d');
    await expect.poll(() => page.textContent('[data-testid=image-name]')).toBe('BloodImage_00087.jpg');
    await expect.poll(() => page.locator('[data-box-class]').count()).toBe(0);
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('[data-testid=image-name]')).toBe('BloodImage_00066.jpg');
    await expect.poll(() => page.locator('[data-box-class=RBC]').count()).toBe(2);
    await page.reload();
    await page.waitForSelector('[data-testid=view-annotate]');
    await expect.poll(() => page.locator('[data-box-class=RBC]').count()).toBe(2);

    const rows = boxesInDatabase();
    expect(rows).toHaveLength(2);
    const expected = [
      { x: 100, y: 80, w: 120, h: 120 },
      { x: 300, y: 250, w: 120, h: 80 },
    ];
    rows.forEach((r, i) => {
      expect(r.cls).toBe('RBC');
      expect(r.file).toBe('BloodImage_00066.jpg');
      expect(r.status).toBe('labeled');
      // One screen pixel is one image pixel at this fit (a small image is never enlarged to fit).
      for (const k of ['x', 'y', 'w', 'h'] as const) expect(Math.abs(r[k] - expected[i]![k])).toBeLessThan(2);
    });
  });

  it('asks before deleting a class that has boxes, and keeps it when cancelled', async () => {
    await page.click('[data-nav=library]');
    await page.click('[data-testid=toggle-classes]');
    await page.click('[data-testid=delete-class-RBC]');
    await expect.poll(() => page.textContent('[role=dialog]')).toContain('It has 2 boxes');
    await page.click('[role=dialog] button:has-text("Cancel")');
    await expect.poll(() => page.locator('[role=dialog]').count()).toBe(0);
    expect(boxesInDatabase()).toHaveLength(2);
    await page.click('[data-testid=toggle-classes]');
  });

  it('filters the Library by status, class, split and file name', async () => {
    const names = () => page.$$eval('[data-image-id] .name', (els) => els.map((e) => e.textContent));
    await page.selectOption('[data-testid=filter-status]', 'labeled');
    await expect.poll(names).toEqual(['BloodImage_00066.jpg']);
    await page.selectOption('[data-testid=filter-status]', 'unlabeled');
    await expect.poll(async () => (await names()).length).toBe(7);
    await page.selectOption('[data-testid=filter-status]', '');
    await page.selectOption('[data-testid=filter-class]', { label: 'RBC' });
    await expect.poll(names).toEqual(['BloodImage_00066.jpg']);
    await page.selectOption('[data-testid=filter-class]', { label: 'WBC' });
    await expect.poll(() => page.textContent('[data-testid=view-library]')).toContain('No image matches');
    await page.selectOption('[data-testid=filter-class]', '');
    await page.fill('[data-testid=filter-search]', '0038');
    await expect
      .poll(names)
      .toEqual(['BloodImage_00386.jpg', 'BloodImage_00388.jpg', 'BloodImage_00389.jpg']);
    await page.fill('[data-testid=filter-search]', '');
    const train = await page.$$eval(
      '[data-image-id] .split',
      (els) => els.filter((e) => e.textContent === 'train').length,
    );
    await page.selectOption('[data-testid=filter-split]', 'train');
    await expect.poll(async () => (await names()).length).toBe(train);
    await page.selectOption('[data-testid=filter-split]', '');
    await expect.poll(async () => (await names()).length).toBe(8);
    await screenshot(page, 'library');
    expect(errors).toEqual([]);
  });
});
