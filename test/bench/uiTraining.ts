// bench:ui, Train and Inspect: the charts while a real run streams its metrics, then the Inspect
// heatmaps of the model that run made.
import { cpSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TrainConfigInput } from '../../src-main/shared/api/training';
import { frameStats, installProbe, percentile, probeOf, type FrameStats } from './pageProbe';
import { ROOT, type Serve } from './uiHarness';

/** The bccd fixture (8 labeled 640×480 images) as a project. */
export async function makeTrainProject(serve: Serve, work: string): Promise<string> {
  const dir = path.join(work, 'bccd');
  cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd'), dir, { recursive: true });
  const file = path.join(work, 'cells.dwproj');
  await serve.call('project.create', { path: file });
  await serve.call('dataset.import', { format: 'coco', path: path.join(dir, 'annotations.json') });
  return file;
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(installProbe);
  return context.newPage();
}

export interface TrainViewStats extends FrameStats {
  steps: number;
  /** train.step events that reached the page while frames were recorded, and loss-chart updates. */
  events: number;
  chartUpdates: number;
  backend: string;
  modelId: number;
}

/**
 * Starts a run, opens the Train view on it, and records frames from its first point on the loss
 * chart until the run has finished.
 */
export async function measureTrainView(
  browser: Browser,
  serve: Serve,
  overrides: TrainConfigInput,
): Promise<TrainViewStats> {
  const run = await serve.call('train.start', { overrides });
  const page = await newPage(browser);
  let events = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"event":"train.step"')) events++;
    }),
  );
  await page.goto(`${serve.url}#/train`);
  await page.waitForSelector('[data-testid=chart-loss]:not([data-points="0"])', { timeout: 120_000 });
  const probe = probeOf(page);
  await probe.countChanges('[data-testid=chart-loss]', 'data-points');
  events = 0;
  await probe.startFrames();
  let info = run;
  while (info.state === 'queued' || info.state === 'running') {
    await page.waitForTimeout(500);
    info = (await serve.call('runs.list', {})).find((r) => r.id === run.id)!;
  }
  const stats = frameStats(await probe.stopFrames());
  const chartUpdates = await probe.read('changes');
  await page.context().close();
  if (info.state !== 'done' || info.modelId === null) throw new Error(`run ${info.state}: ${info.error}`);
  return {
    ...stats,
    steps: info.steps,
    events,
    chartUpdates,
    backend: `${info.backend} (${info.device})`,
    modelId: info.modelId,
  };
}

export interface InspectStats {
  samples: number;
  /** Result in the page → grid and overlay built (synchronous), and → grid images decoded and drawn. */
  buildP50: number;
  buildMax: number;
  paintP50: number;
  paintMax: number;
  /** inspect.run as the page sees it: the first (the trainer loads the model) and the others. */
  firstTrip: number;
  tripP50: number;
}

/** Opens Inspect on the first image, then picks each of its first boxes in turn. */
export async function measureInspect(browser: Browser, serve: Serve, samples: number): Promise<InspectStats> {
  const page = await newPage(browser);
  const probe = probeOf(page);
  await page.goto(`${serve.url}#/annotate`);
  await page.waitForSelector('[data-loaded-url]', { state: 'attached' });
  await page.click('[data-nav=inspect]');
  for (let i = 0; i < samples; i++) {
    if (i > 0) await page.selectOption('[data-testid=inspect-box]', { index: i });
    await expectCount(page, i + 1);
  }
  const painted = await probe.read('inspectPainted');
  const marks = await page.evaluate(() =>
    ['inspect:request', 'inspect:result', 'inspect:rendered'].map((n) =>
      performance.getEntriesByName(n).map((e) => e.startTime),
    ),
  );
  await page.context().close();
  const [requests, results, rendered] = marks as [number[], number[], number[]];
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const build = sorted(rendered.map((r, i) => r - results[i]!));
  const paint = sorted(painted.map((p, i) => p.at - results[i]!));
  const trips = results.map((r, i) => r - requests[i]!);
  return {
    samples: painted.length,
    buildP50: percentile(build, 0.5),
    buildMax: build.at(-1)!,
    paintP50: percentile(paint, 0.5),
    paintMax: paint.at(-1)!,
    firstTrip: trips[0]!,
    tripP50: percentile(sorted(trips.slice(1)), 0.5),
  };
}

async function expectCount(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (k) =>
      (globalThis as unknown as { __dwProbe: { inspectPainted: unknown[] } }).__dwProbe.inspectPainted
        .length >= k,
    n,
    { timeout: 120_000 },
  );
}
