import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppSession,
  CELL_IMAGES,
  cellsFolder,
  createProjectFromFolder,
  openApp,
  type Point,
  screenshot,
  type ServeProcess,
  stageView,
  dragMouse,
} from './harness';

// The Annotate canvas as a user drives it (wheel, Space+drag, middle button, handles, keys), with
// what is stored checked in the project's SQLite file after each edit.

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const { projectFile, imagesDir } = cellsFolder('annotate');
const IMAGES = CELL_IMAGES; // 640 × 480

beforeAll(async () => {
  app = await openApp();
  ({ serve, page, errors } = app);
});

afterAll(() => app?.close());

const view = () => stageView(page);

const drag = (from: Point, to: Point, button?: 'left' | 'middle') => dragMouse(page, from, to, button);

interface Row {
  file: string;
  cls: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function boxesOf(file: string): Row[] {
  const db = new Database(projectFile, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT i.file_name AS file, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b
         JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id
         WHERE i.file_name = ? ORDER BY b.x`,
      )
      .all(file) as Row[];
  } finally {
    db.close();
  }
}

function statusOf(file: string): string {
  const db = new Database(projectFile, { readonly: true });
  try {
    return (db.prepare('SELECT status FROM images WHERE file_name = ?').get(file) as { status: string })
      .status;
  } finally {
    db.close();
  }
}

/** Takes focus off a clicked button, where Space or Enter would press it again. */
const blur = () => page.evaluate('document.activeElement?.blur()');

/** Every save answered: what the SQLite file holds is what the screen shows. */
const saved = () => expect.poll(() => page.textContent('[data-testid=save-state]')).toBe('Saved');

function near(actual: Row | undefined, expected: Omit<Row, 'file' | 'cls'>, tolerance: number) {
  expect(actual).toBeDefined();
  for (const k of ['x', 'y', 'w', 'h'] as const)
    expect(Math.abs(actual![k] - expected[k]), `${k}: ${actual![k]} vs ${expected[k]}`).toBeLessThan(
      tolerance,
    );
}

async function openImage(name: string) {
  await expect.poll(() => page.textContent('[data-testid=image-name]')).toBe(name);
  await page.waitForSelector(`[data-testid=annotation-stage][data-transform]`);
}

describe('Annotate in Chromium: view, edits, undo, clipboard, status', () => {
  it('creates a project with three images and two classes', async () => {
    await page.goto(serve.url);
    await createProjectFromFolder(page, { projectFile, imagesDir, imageCount: 3, classes: ['RBC', 'WBC'] });
    await page.dblclick('[data-image-id]:first-child');
    await page.waitForSelector('[data-testid=view-annotate]');
    await openImage(IMAGES[0]!);
  });

  it('zooms at the cursor with the wheel, pans with Space+drag and the middle button, and fits', async () => {
    const fitted = await view();
    // Mouse events carry whole CSS pixels: the cursor sits on one.
    const at = fitted.toPage({ x: 200, y: 150 });
    const cursor = { x: Math.round(at.x), y: Math.round(at.y) };
    const point = fitted.toImage(cursor);
    await page.mouse.move(cursor.x, cursor.y);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -100);
    await expect.poll(async () => (await view()).scale).toBeCloseTo(fitted.scale * 1.15 ** 3, 6);
    // The image point under the cursor is still the one it was before zooming.
    const zoomed = await view();
    const under = zoomed.toImage(cursor);
    expect(under.x).toBeCloseTo(point.x, 6);
    expect(under.y).toBeCloseTo(point.y, 6);
    expect(await page.textContent('.zoom')).toBe(`${Math.round(zoomed.scale * 100)}%`);
    await screenshot(page, 'annotate-zoomed');

    // Space+drag moves the view by the drag, at the same scale.
    await page.keyboard.down('Space');
    await drag(cursor, { x: cursor.x + 60, y: cursor.y + 40 });
    await page.keyboard.up('Space');
    const panned = await view();
    expect(panned.scale).toBe(zoomed.scale);
    expect(panned.x - zoomed.x).toBeCloseTo(60, 6);
    expect(panned.y - zoomed.y).toBeCloseTo(40, 6);
    // So does a drag with the middle button, without Space.
    await drag(cursor, { x: cursor.x - 30, y: cursor.y + 25 }, 'middle');
    const middle = await view();
    expect(middle.x - panned.x).toBeCloseTo(-30, 6);
    expect(middle.y - panned.y).toBeCloseTo(25, 6);
    // Neither pan drew or selected anything.
    await expect.poll(() => page.locator('[data-box-class]').count()).toBe(0);

    // F, and the Fit button, bring back the fitted view.
    await page.keyboard.press('f');
    const refit = await view();
    expect([refit.scale, refit.x, refit.y]).toEqual([fitted.scale, fitted.x, fitted.y]);
    await page.mouse.wheel(0, 100);
    await expect.poll(async () => (await view()).scale).toBeLessThan(fitted.scale);
    await page.click('button:text-is("Fit")');
    await blur();
    const refit2 = await view();
    expect([refit2.scale, refit2.x, refit2.y]).toEqual([fitted.scale, fitted.x, fitted.y]);
  });

  it('moves a box by dragging it and resizes it by a handle; the file holds each result', async () => {
    const v = await view();
    const tol = 1.5 / v.scale + 0.5; // a page pixel or so, in image pixels
    await page.keyboard.press('w');
    await drag(v.toPage({ x: 100, y: 100 }), v.toPage({ x: 200, y: 180 }));
    await saved();
    near(boxesOf(IMAGES[0]!)[0], { x: 100, y: 100, w: 100, h: 80 }, tol);

    // The new box is selected; Escape leaves drawing, then the box is dragged by its inside.
    await page.keyboard.press('Escape');
    await page.click('[data-testid=box-list] li[data-box-class] .row');
    await blur();
    const before = boxesOf(IMAGES[0]!)[0]!;
    const centre = v.toPage({ x: before.x + before.w / 2, y: before.y + before.h / 2 });
    await drag(centre, { x: centre.x + 45, y: centre.y + 30 });
    await saved();
    const moved = boxesOf(IMAGES[0]!);
    expect(moved).toHaveLength(1);
    near(moved[0], { x: before.x + 45 / v.scale, y: before.y + 30 / v.scale, w: before.w, h: before.h }, tol);

    // The bottom-right handle resizes it; the top-left corner stays.
    const m = moved[0]!;
    const corner = v.toPage({ x: m.x + m.w, y: m.y + m.h });
    await drag(corner, { x: corner.x + 30, y: corner.y + 24 });
    await saved();
    const resized = boxesOf(IMAGES[0]!);
    expect(resized).toHaveLength(1);
    near(resized[0], { x: m.x, y: m.y, w: m.w + 30 / v.scale, h: m.h + 24 / v.scale }, tol);
    await screenshot(page, 'annotate-resized');
  });

  it('deletes the selected box with Delete; undo and redo take it back and forth in the file', async () => {
    const box = boxesOf(IMAGES[0]!)[0]!;
    await page.keyboard.press('Delete');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toHaveLength(0);
    await page.keyboard.press('Control+z');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toEqual([box]);
    await page.keyboard.press('Control+Shift+z');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toHaveLength(0);
    await page.keyboard.press('Control+z');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toEqual([box]);
    await expect.poll(() => page.locator('[data-box-class]').count()).toBe(1);
  });

  it('copies the selected box to the next image, and carries those boxes on to the one after', async () => {
    const v = await view();
    // A second box, of class WBC (hotkey 2 while it is selected): only it is copied.
    await page.keyboard.press('w');
    await drag(v.toPage({ x: 350, y: 250 }), v.toPage({ x: 450, y: 330 }));
    await page.keyboard.press('2');
    await saved();
    const [, wbc] = boxesOf(IMAGES[0]!);
    expect(wbc?.cls).toBe('WBC');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('d');
    await openImage(IMAGES[1]!);
    await page.keyboard.press('Control+v');
    await saved();
    expect(boxesOf(IMAGES[1]!)).toEqual([{ ...wbc, file: IMAGES[1] }]);

    await page.keyboard.press('d');
    await openImage(IMAGES[2]!);
    await page.click('button:text-is("Carry boxes from previous")');
    await expect.poll(() => boxesOf(IMAGES[2]!).length).toBe(1);
    await saved();
    expect(boxesOf(IMAGES[2]!)).toEqual([{ ...wbc, file: IMAGES[2] }]);
    await expect.poll(() => page.locator('[data-box-class=WBC]').count()).toBe(1);
    await screenshot(page, 'annotate-carried');
  });

  it('marks the image reviewed (Ctrl+Enter), in the file', async () => {
    expect(statusOf(IMAGES[2]!)).toBe('labeled');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.textContent('[data-testid=image-status]')).toBe('reviewed');
    expect(statusOf(IMAGES[2]!)).toBe('reviewed');
    await page.click('button:text-is("Unmark reviewed")');
    await expect.poll(() => statusOf(IMAGES[2]!)).toBe('labeled');
  });

  it('opens the shortcut list with ? in every view, with the class hotkeys', async () => {
    for (const view of ['library', 'annotate', 'train', 'review', 'settings']) {
      await page.click(`[data-nav=${view}]`);
      await page.waitForSelector(`main[data-view=${view}]`);
      await blur();
      await page.keyboard.press('?');
      await page.waitForSelector('[data-testid=shortcut-overlay]');
      expect(await page.textContent('[data-class-hotkey="1"]')).toContain('RBC');
      expect(await page.textContent('[data-class-hotkey="2"]')).toContain('WBC');
      expect(await page.textContent('[data-testid=shortcut-overlay]')).not.toContain('…');
      if (view === 'library') await screenshot(page, 'shortcut-overlay');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('[data-testid=shortcut-overlay]').count()).toBe(0);
    }
  });

  it('refuses a shortcut that another action or a class hotkey uses, and keeps the old one', async () => {
    const draw = page.locator('[data-shortcut=draw]');
    const refused = page.locator('[data-testid=shortcut-refused]');
    await draw.click();
    await page.keyboard.press('d');
    await expect.poll(() => refused.textContent()).toContain('D is already the shortcut for “Next image”');
    expect(await draw.textContent()).toContain('W');
    await draw.click();
    await page.keyboard.press('1');
    await expect.poll(() => refused.textContent()).toContain('1 is the hotkey of class “RBC”');
    expect(await draw.textContent()).toContain('W');
    await screenshot(page, 'settings-refused');
    // A free key is taken, and the message goes.
    await draw.click();
    await page.keyboard.press('n');
    await expect.poll(() => draw.textContent()).toContain('N');
    expect(await refused.count()).toBe(0);
    await page.click('button:text-is("Reset to defaults")');
    await expect.poll(() => draw.textContent()).toContain('W');
    expect(errors).toEqual([]);
  });
});
