// bench:ui, Annotate: pan and zoom over an image with 2,000 boxes, and the next image (D) on screen.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { frameStats, installProbe, percentile, probeOf, type FrameStats } from './pageProbe';
import { scatteredBoxes, writePhotos } from './uiFixtures';
import type { Serve } from './uiHarness';

export const BOXES = 2_000;
export const PHOTOS = 24;
const BOXES_ON_OTHERS = 40;
const MOTION_MS = 3_000;
const IN_FLIGHT = 4;
export const PRESSES = 20;

export interface AnnotateProject {
  file: string;
}

/** A project of full-HD JPEGs: the first with 2,000 boxes, the others with 40. */
export async function makeAnnotateProject(serve: Serve, work: string): Promise<AnnotateProject> {
  const photos = path.join(work, 'photos');
  await writePhotos(photos, PHOTOS);
  const file = path.join(work, 'annotate.dwproj');
  await serve.call('project.create', { path: file });
  await serve.call('images.add', { paths: [photos], recursive: true });
  const classIds: number[] = [];
  for (const name of ['car', 'person', 'bike', 'sign', 'tree']) {
    classIds.push((await serve.call('classes.add', { name })).id);
  }
  const images = (await serve.call('images.list', { limit: PHOTOS })).items;
  for (const [i, image] of images.entries()) {
    const boxes = scatteredBoxes(i === 0 ? BOXES : BOXES_ON_OTHERS, classIds, i + 1);
    await serve.call('boxes.replace', { imageId: image.id, boxes });
  }
  return { file };
}

export async function openAnnotate(browser: Browser, serve: Serve): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(installProbe);
  const page = await context.newPage();
  await page.goto(`${serve.url}#/annotate`);
  await page.waitForSelector('[data-loaded-url]', { state: 'attached' });
  await page.waitForTimeout(500);
  return page;
}

async function stageCentre(page: Page) {
  const r = (await page.locator('[data-testid=annotation-stage]').boundingBox())!;
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

/**
 * Calls `send(n)` for three seconds, keeping a few calls in flight: each waits for the browser to take
 * its event, and one at a time is slower than the frame rate, which would leave idle frames.
 */
export async function keepSending(send: (n: number) => Promise<void>): Promise<number> {
  const pending = new Set<Promise<void>>();
  const start = Date.now();
  let n = 0;
  while (Date.now() - start < MOTION_MS) {
    const p = send(n++).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
  return n;
}

/** Middle-button drag in circles of 150 px for three seconds. */
export async function measurePan(page: Page): Promise<FrameStats> {
  const c = await stageCentre(page);
  const probe = probeOf(page);
  await page.mouse.move(c.x + 150, c.y);
  await page.mouse.down({ button: 'middle' });
  await probe.startFrames();
  await keepSending((n) => page.mouse.move(c.x + 150 * Math.cos(n * 0.08), c.y + 150 * Math.sin(n * 0.08)));
  const stats = frameStats(await probe.stopFrames());
  await page.mouse.up({ button: 'middle' });
  return stats;
}

/**
 * Wheel notches at the centre for three seconds, zooming in to twice the fitted scale and out to half
 * of it, again and again (Chromium merges the notches queued in one frame into one event).
 */
export async function measureZoom(page: Page): Promise<FrameStats> {
  const c = await stageCentre(page);
  const probe = probeOf(page);
  const zoom = async () => parseFloat((await page.textContent('.zoom')) ?? '100');
  const fit = await zoom();
  let delta = -100;
  await page.mouse.move(c.x, c.y);
  await probe.startFrames();
  await keepSending(async (n) => {
    if (n % 4 === 0) {
      void zoom().then((z) => {
        if (z > fit * 2) delta = 100;
        else if (z < fit / 2) delta = -100;
      });
    }
    await page.mouse.wheel(0, delta);
  });
  const stats = frameStats(await probe.stopFrames());
  await page.keyboard.press('f');
  return stats;
}

export interface NextImageStats {
  presses: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * D, then wait for the neighbours' prefetch (a second); the time from the key event to the end of
 * the frame that drew the new image on the stage.
 */
export async function measureNextImage(page: Page): Promise<NextImageStats> {
  const probe = probeOf(page);
  const times: number[] = [];
  await page.waitForTimeout(1_000);
  for (let i = 0; i < PRESSES; i++) {
    const keys = (await probe.read('keys')).length;
    const shown = (await probe.read('shown')).length;
    await page.keyboard.press('d');
    await page.waitForFunction(
      (n) => (globalThis as unknown as { __dwProbe: { shown: unknown[] } }).__dwProbe.shown.length > n,
      shown,
    );
    const key = (await probe.read('keys'))[keys]!;
    const drawn = (await probe.read('shown'))[shown]!;
    times.push(drawn.at - key.at);
    await page.waitForTimeout(1_000);
  }
  times.sort((a, b) => a - b);
  return {
    presses: times.length,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    max: times.at(-1)!,
  };
}
