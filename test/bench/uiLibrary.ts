// bench:ui, Library: first paint of the virtual grid over 20,000 images, and scrolling through it.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { frameStats, installProbe, probeOf, type FrameStats } from './pageProbe';
import { writeDataset } from './syntheticDataset';
import type { Serve } from './uiHarness';

const SCROLL_MS = 3_000;

export interface LibraryProject {
  file: string;
  images: number;
}

/** `images` PNGs with 10 boxes each (syntheticDataset), imported from COCO into a new project. */
export async function makeLibraryProject(
  serve: Serve,
  work: string,
  images: number,
): Promise<LibraryProject> {
  const json = writeDataset(path.join(work, 'library'), images, 10, 10);
  const file = path.join(work, 'library.dwproj');
  await serve.call('project.create', { path: file });
  const report = await serve.call('dataset.import', { format: 'coco', path: json });
  if (report.images !== images) throw new Error(`imported ${report.images} of ${images} images`);
  return { file, images };
}

/**
 * Forgets every thumbnail made so far: the next view makes them again, as on a project's first open.
 * Waits first for the server to finish the ones a closed page still asked for.
 */
export async function dropThumbnails(project: LibraryProject): Promise<void> {
  const dir = path.join(`${project.file}-data`, 'thumbs');
  const count = () => (existsSync(dir) ? readdirSync(dir, { recursive: true }).length : 0);
  for (let last = -1, now = count(); now !== last; last = now, now = count()) {
    await new Promise((r) => setTimeout(r, 300));
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

export interface FirstPaint {
  /** From the start of the navigation to the first row's cells in the DOM, and to its thumbnails drawn. */
  cells: number;
  thumbnails: number;
}

/** A fresh browser context (empty HTTP cache) loads the Library. */
export async function measureFirstPaint(
  browser: Browser,
  serve: Serve,
): Promise<FirstPaint & { page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(installProbe);
  const page = await context.newPage();
  await page.goto(`${serve.url}#/library`);
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { __dwProbe: { firstRowAt: number | null } }).__dwProbe.firstRowAt !== null,
    null,
    { timeout: 60_000 },
  );
  const probe = probeOf(page);
  return {
    cells: (await probe.read('firstRowCellsAt'))!,
    thumbnails: (await probe.read('firstRowAt'))!,
    page,
  };
}

export interface ScrollStats extends FrameStats {
  rows: number;
}

/** Wheel notches of 240 px over the grid for three seconds; frames while it scrolls. */
export async function measureScroll(page: Page): Promise<ScrollStats> {
  const grid = page.locator('[data-testid=image-grid]');
  const box = (await grid.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const probe = probeOf(page);
  await probe.startFrames();
  const start = Date.now();
  while (Date.now() - start < SCROLL_MS) await page.mouse.wheel(0, 240);
  const stats = frameStats(await probe.stopFrames());
  const rowHeight = await grid.evaluate(
    (el) =>
      (el as unknown as { querySelector(s: string): { offsetHeight: number } }).querySelector('.row')
        .offsetHeight,
  );
  const scrolled = await grid.evaluate((el) => (el as unknown as { scrollTop: number }).scrollTop);
  return { ...stats, rows: Math.round(scrolled / rowHeight) };
}
