import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AppSession, createProjectFromFolder, openApp } from './harness';

// A fast scroll through the Library does not ask for the thumbnails of the rows it only passes:
// each one not made yet costs a decode and an encode, which took the cores the scroll needed (late
// frames). The rows it stops at get theirs at once, and rows seen before keep theirs.
const IMAGES = 480;
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-scroll-'));
let app: AppSession;

beforeAll(async () => {
  const dir = path.join(work, 'images');
  mkdirSync(dir);
  await Promise.all(
    Array.from({ length: IMAGES }, (_, i) =>
      sharp({
        create: {
          width: 96,
          height: 72,
          channels: 3,
          background: { r: i % 256, g: (i * 7) % 256, b: 40 + 100 * Math.floor(i / 256) },
        },
      })
        .png()
        .toFile(path.join(dir, `img_${String(i).padStart(4, '0')}.png`)),
    ),
  );
  app = await openApp();
});

afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

it('asks for the thumbnails of the rows a scroll stops at, not of the rows it passes', async () => {
  const { page, errors } = app;
  const asked = new Set<number>();
  page.on('request', (r) => {
    const m = /\/image\/thumb\/(\d+)/.exec(r.url());
    if (m) asked.add(Number(m[1]));
  });
  await page.goto(app.serve.url);
  await createProjectFromFolder(page, {
    projectFile: path.join(work, 'scroll.dwproj'),
    imagesDir: path.join(work, 'images'),
    imageCount: IMAGES,
    classes: [],
  });
  const grid = page.locator('[data-testid=image-grid]');
  const shownIds = () =>
    grid.evaluate((el) =>
      [...el.querySelectorAll('[data-image-id]')]
        .filter((c) => {
          const r = c.getBoundingClientRect();
          const g = el.getBoundingClientRect();
          return r.bottom > g.top && r.top < g.bottom;
        })
        .map((c) => Number(c.getAttribute('data-image-id'))),
    );
  // The first screen's thumbnails come without waiting.
  const first = await shownIds();
  expect(first.length).toBeGreaterThan(10);
  await expect.poll(() => first.every((id) => asked.has(id))).toBe(true);

  // A fling: one row further every frame, in the page, for 40 frames.
  const before = asked.size;
  const passed = await grid.evaluate(async (el) => {
    const rowHeight = (el.querySelector('.row') as unknown as { offsetHeight: number }).offsetHeight;
    const nextFrame = () =>
      new Promise((r) =>
        (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(() =>
          r(null),
        ),
      );
    const seen = new Set<number>();
    for (let f = 0; f < 40; f++) {
      el.scrollTop += rowHeight;
      await nextFrame();
      for (const c of el.querySelectorAll('[data-image-id]'))
        seen.add(Number(c.getAttribute('data-image-id')));
    }
    return [...seen];
  });
  const duringFling = asked.size - before;
  const stopped = await shownIds();
  const passedOnly = passed.filter((id) => !stopped.includes(id) && !first.includes(id));
  expect(passedOnly.length).toBeGreaterThan(200);
  // Rows the fling only passed: at most a few asked for (a frame delayed past the settle time on a
  // busy machine lets the rows of that moment through).
  expect(passedOnly.filter((id) => asked.has(id)).length).toBeLessThan(passedOnly.length / 4);
  expect(duringFling).toBeLessThan(passedOnly.length / 4);

  // Where it stopped: those thumbnails are asked for and drawn.
  await expect.poll(() => stopped.every((id) => asked.has(id)), { timeout: 5000 }).toBe(true);
  await expect
    .poll(() =>
      grid.evaluate(
        (el, ids) =>
          ids.every((id) => {
            const img = el.querySelector(`[data-image-id="${id}"] img`) as unknown as {
              complete: boolean;
              naturalWidth: number;
            } | null;
            return img !== null && img.complete && img.naturalWidth > 0;
          }),
        stopped,
      ),
    )
    .toBe(true);

  // Back at the top, the first rows show their thumbnails again at once (no new wait).
  await grid.evaluate((el) => (el.scrollTop = 0));
  await expect
    .poll(
      () =>
        grid.evaluate(
          (el, ids) => ids.every((id) => el.querySelector(`[data-image-id="${id}"] img`) !== null),
          first,
        ),
      { timeout: 100, interval: 20 },
    )
    .toBe(true);
  expect(errors).toEqual([]);
});
