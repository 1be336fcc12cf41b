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

// Annotate's rules as a user meets them: box ids that survive edits and undo (and what goes over the
// socket for one edit), the fit of a small image, the class of the next box, a drag too small to be a
// box, the Library's filter, and the image kept through a reload.

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const { projectFile, imagesDir } = cellsFolder('editing');
const IMAGES = CELL_IMAGES; // 640 × 480
/** Every call the page sends over the socket: method and payload. */
const sent: Array<{ method: string; payload: Record<string, unknown> }> = [];

beforeAll(async () => {
  app = await openApp();
  ({ serve, page, errors } = app);
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const msg = JSON.parse(String(payload)) as { method: string; payload: Record<string, unknown> };
      sent.push({ method: msg.method, payload: msg.payload });
    }),
  );
});

afterAll(() => app?.close());

interface Row {
  id: number;
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
        `SELECT b.id, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b
         JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id
         WHERE i.file_name = ? ORDER BY b.id`,
      )
      .all(file) as Row[];
  } finally {
    db.close();
  }
}

const saved = () => expect.poll(() => page.textContent('[data-testid=save-state]')).toBe('Saved');
const blur = () => page.evaluate('document.activeElement?.blur()');
const imageName = () => page.textContent('[data-testid=image-name]');
const calls = (method: string) => sent.filter((c) => c.method === method);

/** Mouse events carry whole CSS pixels: page points are rounded, so a drag moves by exact pixels. */
const round = (p: Point): Point => ({ x: Math.round(p.x), y: Math.round(p.y) });

const drag = (from: Point, to: Point, button?: 'left' | 'middle') => dragMouse(page, from, to, button);

describe('Annotate rules in Chromium', () => {
  it('opens a 640 × 480 image at 100 %, not enlarged to fill the canvas, until the user zooms', async () => {
    await page.goto(serve.url);
    await createProjectFromFolder(page, { projectFile, imagesDir, imageCount: 3, classes: ['RBC', 'WBC'] });
    await page.dblclick('[data-image-id]:first-child');
    const fitted = await stageView(page);
    // The canvas is larger than the image on both sides: fitting would enlarge it about 1.4 times.
    const box = (await page.locator('[data-testid=annotation-stage]').boundingBox())!;
    expect(Math.min(box.width / 640, box.height / 480) * 0.96).toBeGreaterThan(1.2);
    expect(fitted.scale).toBe(1);
    expect(await page.textContent('.zoom')).toBe('100%');
    const centre = fitted.toPage({ x: 320, y: 240 });
    await page.mouse.move(centre.x, centre.y);
    await page.mouse.wheel(0, -100);
    await expect.poll(async () => (await stageView(page)).scale).toBeCloseTo(1.15, 6);
    await page.keyboard.press('f');
    await expect.poll(async () => (await stageView(page)).scale).toBe(1);
  });

  it('keeps box ids through move, re-class, delete, undo and redo, sending only the box edited', async () => {
    const v = await stageView(page);
    const lists = calls('images.list').length;
    await page.keyboard.press('w');
    await drag(round(v.toPage({ x: 100, y: 100 })), round(v.toPage({ x: 200, y: 180 })));
    await saved();
    const [drawn] = boxesOf(IMAGES[0]!);
    expect(drawn).toMatchObject({ cls: 'RBC', w: 100, h: 80 });
    await page.keyboard.press('w');
    await drag(v.toPage({ x: 300, y: 300 }), v.toPage({ x: 340, y: 350 }));
    await saved();
    const [, other] = boxesOf(IMAGES[0]!);

    // Move the first box by its inside: the same row, at the new place.
    await page.keyboard.press('Escape');
    await page.click('[data-testid=box-list] li[data-box-class] .row');
    await blur();
    const edits = calls('boxes.edit').length;
    await drag(round(v.toPage({ x: 150, y: 140 })), round(v.toPage({ x: 170, y: 150 })));
    await saved();
    const moved = { ...drawn!, x: drawn!.x + 20, y: drawn!.y + 10 };
    expect(boxesOf(IMAGES[0]!)).toEqual([moved, other]);
    // One call naming that box alone; no box list replaced, no Library page fetched again.
    expect(calls('boxes.edit').slice(edits)).toEqual([
      {
        method: 'boxes.edit',
        payload: {
          imageId: expect.any(Number),
          add: [],
          // As drawn on the page (the store keeps a thousandth of a pixel).
          update: [
            {
              id: drawn!.id,
              classId: expect.any(Number),
              x: expect.closeTo(moved.x, 2),
              y: expect.closeTo(moved.y, 2),
              w: 100,
              h: 80,
            },
          ],
          delete: [],
        },
      },
    ]);
    expect(calls('boxes.replace')).toEqual([]);
    expect(calls('images.list').length).toBe(lists);

    await page.keyboard.press('2');
    await saved();
    expect(boxesOf(IMAGES[0]!)[0]).toEqual({ ...moved, cls: 'WBC' });
    await page.keyboard.press('Delete');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toEqual([other]);
    await page.keyboard.press('Control+z');
    await saved();
    expect(boxesOf(IMAGES[0]!)).toEqual([{ ...moved, cls: 'WBC' }, other]);
    await page.keyboard.press('Control+Shift+z');
    await saved();
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await saved();
    // Back to the box as drawn, under the id it was given then.
    expect(boxesOf(IMAGES[0]!)).toEqual([drawn, other]);

    // The Library's row took the new count from the edit's answer, where it was.
    await page.click('[data-nav=library]');
    const cell = page.locator(`[data-image-id]:has-text("${IMAGES[0]}") .count`);
    await expect.poll(() => cell.textContent()).toBe('2');
    expect(calls('images.list').length).toBe(lists);
    await page.click('[data-nav=annotate]');
  });

  it('patches a Library row changed elsewhere where it is, without reloading the list', async () => {
    await page.click('[data-nav=library]');
    const lists = calls('images.list').length;
    const dot = page.locator(`[data-image-id]:has-text("${IMAGES[1]}") .dot`);
    expect(await dot.getAttribute('class')).toContain('unlabeled');
    // Another client (a second window, the command line's server) marks the image reviewed.
    const id = Number(await page.getAttribute(`[data-image-id]:has-text("${IMAGES[1]}")`, 'data-image-id'));
    await page.evaluate(
      async (ids) => {
        await fetch('/api/images.setStatus', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ids, status: 'reviewed' }),
        });
      },
      [id],
    );
    await expect.poll(() => dot.getAttribute('class')).toContain('reviewed');
    expect(calls('images.rows').at(-1)!.payload).toEqual({ ids: [id] });
    expect(calls('images.list').length).toBe(lists);
    await page.click('[data-nav=annotate]');
  });

  it('says why a drag too small to be a box made nothing', async () => {
    const v = await stageView(page);
    const before = boxesOf(IMAGES[0]!);
    await page.keyboard.press('w');
    const at = v.toPage({ x: 400, y: 100 });
    await page.mouse.click(at.x, at.y);
    await expect
      .poll(() => page.textContent('[data-testid=annotate-note]'))
      .toContain('No box: drag at least 2 × 2 image pixels');
    await drag(at, { x: at.x + 1, y: at.y + 20 });
    await saved();
    expect(boxesOf(IMAGES[0]!)).toEqual(before);
    await screenshot(page, 'annotate-too-small');
    await page.keyboard.press('Escape');
  });

  it('draws the next box in the class chosen with no box selected, whatever is selected or opened', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('2');
    await expect.poll(() => page.textContent('[data-testid=draw-class]')).toBe('WBC');
    // A box selected: a number key changes that box, and the next box's class stays.
    await page.click('[data-testid=box-list] li[data-box-class=RBC] .row');
    await blur();
    await expect
      .poll(() => page.textContent('[data-testid=class-rule]'))
      .toContain('changes the selected box');
    await page.keyboard.press('2');
    await page.keyboard.press('1');
    await saved();
    expect(await page.textContent('[data-testid=draw-class]')).toBe('WBC');
    // Another image, another view and back: still WBC.
    await page.keyboard.press('d');
    await expect.poll(imageName).toBe(IMAGES[1]);
    await page.click('[data-nav=library]');
    await page.click('[data-nav=annotate]');
    await expect.poll(() => page.textContent('[data-testid=draw-class]')).toBe('WBC');
    const v = await stageView(page);
    await page.keyboard.press('w');
    await drag(v.toPage({ x: 50, y: 50 }), v.toPage({ x: 120, y: 110 }));
    await saved();
    expect(boxesOf(IMAGES[1]!).map((b) => b.cls)).toEqual(['WBC']);
    await page.keyboard.press('Escape');
  });

  it("shows the Library's filter in Annotate, and clearing it keeps the image", async () => {
    await page.click('[data-nav=library]');
    await page.fill('[data-testid=filter-search]', '00087');
    await expect.poll(() => page.locator('[data-image-id]').count()).toBe(1);
    await page.click('[data-nav=annotate]');
    await expect
      .poll(() => page.textContent('[data-testid=annotate-filter]'))
      .toContain('name contains “00087”');
    expect(await page.textContent('[data-testid=image-position]')).toContain('1 / 1');
    await screenshot(page, 'annotate-filter');
    await page.click('[data-testid=clear-filter]');
    await expect.poll(() => page.textContent('[data-testid=image-position]')).toContain('2 / 3');
    expect(await imageName()).toBe(IMAGES[1]);
    expect(await page.locator('[data-testid=annotate-filter]').count()).toBe(0);
    await blur();
    await page.keyboard.press('d');
    await expect.poll(imageName).toBe(IMAGES[2]);
  });

  it('comes back to the same image after a reload', async () => {
    expect(page.url()).toContain('#/annotate?image=');
    await page.reload();
    await page.waitForSelector('[data-testid=view-annotate]');
    await expect.poll(imageName).toBe(IMAGES[2]);
    expect(await page.textContent('[data-testid=image-position]')).toContain('3 / 3');
    expect(errors).toEqual([]);
  });
});
