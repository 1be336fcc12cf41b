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
  dragMouse,
  type Point,
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

const drag = (from: Point, to: Point, button?: 'left' | 'middle') => dragMouse(page, from, to, button);

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

  it('keeps focus in a dialog, closes it on Escape and answers its default button on Enter', async () => {
    const inDialog = () => page.evaluate<boolean>("!!document.activeElement?.closest('[role=dialog]')");
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    await page.click('[data-testid=toggle-classes]');
    await page.click('[data-testid=delete-class-RBC]');
    await page.waitForSelector('[role=dialog]');
    // Focus is on the default button; Tab and Shift+Tab go round the dialog, never behind it.
    expect(await focused()).toBe('Move boxes, delete class');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await inDialog()).toBe(true);
    }
    await page.keyboard.press('Shift+Tab');
    expect(await inDialog()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[role=dialog]').count()).toBe(0);
    expect(boxesInDatabase()).toHaveLength(2);
    // Focus is back where it was.
    expect(await page.evaluate("document.activeElement?.getAttribute('data-testid')")).toBe(
      'delete-class-RBC',
    );

    // Enter answers the default button: a class without boxes is deleted.
    await page.fill('[data-testid=new-class-name]', 'Spare');
    await page.click('[data-testid=add-class]');
    await page.waitForSelector('[data-class-row="Spare"]');
    await page.click('[data-testid=delete-class-Spare]');
    await page.waitForSelector('[role=dialog]');
    expect(await focused()).toBe('Delete class');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-class-row="Spare"]').count()).toBe(0);
    // A dangerous answer is never the default: Enter in Remove images is Cancel.
    await page.click('[data-image-id]:first-child');
    await page.click('button:text-is("Remove")');
    await page.waitForSelector('[role=dialog]');
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[role=dialog]').count()).toBe(0);
    expect(await page.locator('[data-image-id]').count()).toBe(8);
    await page.click('button:text-is("Clear")');
    // The list of shortcuts is a dialog too: Enter closes it.
    await page.evaluate('document.activeElement?.blur()');
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=shortcut-overlay]');
    expect(await inDialog()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=shortcut-overlay]').count()).toBe(0);
    await page.click('[data-testid=toggle-classes]');
  });

  it('draws the labels on the thumbnails, in their class colours', async () => {
    const cell = page.locator('[data-image-id]:has-text("BloodImage_00066.jpg")');
    const row = page.locator('.row', { has: cell });
    const overlay = row.locator('svg[data-preview-boxes]');
    await expect.poll(() => overlay.getAttribute('data-preview-boxes')).toBe('2');
    const db = new Database(projectFile, { readonly: true });
    const { color } = db.prepare("SELECT color FROM classes WHERE name = 'RBC'").get() as { color: string };
    const rows = db.prepare('SELECT x, y, w, h FROM boxes ORDER BY id').all() as Array<
      Record<string, number>
    >;
    db.close();
    // Each box over the thumbnail, which shows the whole 640 × 480 image centred in its square.
    const [img, svg] = await Promise.all([cell.locator('img').boundingBox(), overlay.boundingBox()]);
    const s = Math.min(img!.width / 640, img!.height / 480);
    const ox = img!.x - svg!.x + (img!.width - 640 * s) / 2;
    const oy = img!.y - svg!.y + (img!.height - 480 * s) / 2;
    const r = (v: number) => Math.round(v * 10) / 10;
    const d = rows
      .map((b) => `M${r(ox + b.x! * s)} ${r(oy + b.y! * s)}h${r(b.w! * s)}v${r(b.h! * s)}h${-r(b.w! * s)}Z`)
      .join('');
    const paths = await overlay
      .locator('path')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('stroke'), e.getAttribute('d')]));
    expect(paths).toEqual([[color, d]]);
    // A row whose images have no boxes draws none.
    const other = page.locator('.row', {
      has: page.locator('[data-image-id]:has-text("BloodImage_00390.jpg")'),
    });
    expect(await other.locator('svg').count()).toBe(0);
    await screenshot(page, 'library-thumbnail-boxes');
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
