// `npm run bench:ui`: the renderer's speed where users feel it, in Debian's Chromium (headless, the browser
// tests' flags) against `dw-studio serve` on real project files. Prints the setup, then one markdown
// table of measurements beside their goals, with the machine's load average at each.
//
//   npm run bench:ui -- [--only annotate,library,train] [--images 20000] [--train-size 320]
//                       [--train-minutes 0.4] [--wait-load 2.5] [--root ../other-checkout]
//
// --wait-load waits (up to a minute) before each section for the load average to drop below it;
// --root serves the app from another checkout's build, for before / after numbers.
//
// Frame times are the intervals between requestAnimationFrame callbacks in the page. Chromium paces
// frames to a 60 Hz clock, so a frame that misses its slot shows as 33 ms; the "unthrottled" rows
// add --disable-gpu-vsync --disable-frame-rate-limit, so each interval is what the frame itself took.
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { FrameStats } from './pageProbe';
import {
  BOXES,
  makeAnnotateProject,
  measureNextImage,
  measurePan,
  measureZoom,
  openAnnotate,
  PHOTOS,
} from './uiAnnotate';
import { chromiumPath, Cleanup, launchBrowser, ROOT, startServe, type Serve } from './uiHarness';
import { dropThumbnails, makeLibraryProject, measureFirstPaint, measureScroll } from './uiLibrary';
import { makeTrainProject, measureInspect, measureTrainView } from './uiTraining';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('images', 20_000);
const TRAIN_SIZE = arg('train-size', 320);
const TRAIN_MINUTES = arg('train-minutes', 0.4);
const WAIT_LOAD = arg('wait-load', Infinity);
const text = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const ONLY = new Set(text('only', 'annotate,library,train').split(','));
/** Another checkout whose build serves the app (to compare two builds with the same bench). */
const SERVE_ROOT = path.resolve(text('root', ROOT));
const FIRST_PAINTS = 5;
const COLD_PAINTS = 3;
const SCROLLS = 3;
const INSPECT_SAMPLES = 6;
const FRAME_BUDGET = 1000 / 60;

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 100 ? 1 : 0)} ms` : '—');
const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
const load = () => os.loadavg()[0]!.toFixed(1);

interface Row {
  view: string;
  measure: string;
  result: string;
  goal: string;
  met: boolean | null;
  load: string;
}

const rows: Row[] = [];
function row(view: string, measure: string, result: string, goal = '', met: boolean | null = null): void {
  rows.push({ view, measure, result, goal, met, load: load() });
}

/**
 * At 60 Hz an interval is a whole number of 16.7 ms slots (± jitter), so the goal "p95 < 16.7 ms"
 * reads as: at least 95% of frames in their own slot (late: intervals over 25 ms). Unthrottled, the
 * interval is the frame's cost and the goal applies as it is.
 */
function frameRow(view: string, what: string, f: FrameStats, clocked: boolean): void {
  const late = `${(f.late * 100).toFixed(0)}% late`;
  row(
    view,
    `${what}, ${clocked ? '60 Hz' : 'unthrottled'}: frame interval p50 / p95 / max (${f.frames} frames in ${f.seconds.toFixed(1)} s${
      f.long ? `; ${f.long} long frames, longest ${ms(f.longMax)}` : ''
    })`,
    `${ms(f.p50)} / ${ms(f.p95)} / ${ms(f.max)}${clocked ? ` (${late})` : ''}`,
    clocked ? 'p95 < 16.7 ms: ≤ 5% late' : 'p95 < 16.7 ms',
    clocked ? f.late <= 0.05 : f.p95 < FRAME_BUDGET,
  );
}

/** On a shared machine, waits (up to a minute) for the load to drop below --wait-load. */
async function settle(): Promise<void> {
  const until = Date.now() + 60_000;
  while (os.loadavg()[0]! > WAIT_LOAD && Date.now() < until) await new Promise((r) => setTimeout(r, 2_000));
}

async function annotate(serve: Serve, browsers: Browser[]): Promise<void> {
  for (const [i, browser] of browsers.entries()) {
    await settle();
    const page = await openAnnotate(browser, serve);
    frameRow(
      'Annotate',
      `pan (middle-button drag, ${BOXES.toLocaleString('en-US')} boxes)`,
      await measurePan(page),
      i === 0,
    );
    frameRow(
      'Annotate',
      `zoom (wheel, ${BOXES.toLocaleString('en-US')} boxes)`,
      await measureZoom(page),
      i === 0,
    );
    if (i === 0) {
      const next = await measureNextImage(page);
      row(
        'Annotate',
        `next image (D) to drawn on the stage, neighbours prefetched: p50 / p95 / max of ${next.presses}`,
        `${ms(next.p50)} / ${ms(next.p95)} / ${ms(next.max)}`,
        'p95 < 100 ms',
        next.p95 < 100,
      );
    }
    await page.context().close();
  }
}

async function library(serve: Serve, browsers: Browser[], project: Parameters<typeof dropThumbnails>[0]) {
  const [browser, unthrottled] = browsers as [Browser, Browser];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const n = IMAGES.toLocaleString('en-US');
  await settle();
  const cold: Array<{ cells: number; thumbnails: number }> = [];
  for (let i = 0; i < COLD_PAINTS; i++) {
    await dropThumbnails(project);
    const { page, ...paint } = await measureFirstPaint(browser, serve);
    cold.push(paint);
    await page.context().close();
  }
  const warm: Array<{ cells: number; thumbnails: number }> = [];
  for (let i = 0; i < FIRST_PAINTS; i++) {
    const { page, ...paint } = await measureFirstPaint(browser, serve);
    warm.push(paint);
    await page.context().close();
  }
  for (const [what, runs] of [
    ['thumbnails already made', warm],
    ['thumbnails made on request (first open)', cold],
  ] as const) {
    const thumbs = median(runs.map((r) => r.thumbnails));
    row(
      'Library',
      `${n} images, page load to first row of thumbnails drawn, ${what} (median of ${runs.length}; first row of cells at ${ms(median(runs.map((r) => r.cells)))})`,
      ms(thumbs),
      '< 500 ms',
      thumbs < 500,
    );
  }
  // A three-second scroll is one sample of a noisy machine: each row is the median of three scrolls
  // (by late share, or p95 unthrottled), each on a fresh page, with all three named.
  for (const b of [browser, unthrottled]) {
    const clocked = b === browser;
    const runs: Awaited<ReturnType<typeof measureScroll>>[] = [];
    for (let i = 0; i < SCROLLS; i++) {
      await settle();
      const { page } = await measureFirstPaint(b, serve);
      runs.push(await measureScroll(page));
      await page.context().close();
    }
    const key = (f: FrameStats) => (clocked ? f.late : f.p95);
    const mid = [...runs].sort((x, y) => key(x) - key(y))[Math.floor(runs.length / 2)]!;
    const each = runs.map((f) => (clocked ? `${(f.late * 100).toFixed(0)}%` : ms(f.p95))).join(', ');
    frameRow(
      'Library',
      `scroll (wheel, ${mid.rows} rows; median of ${runs.length} scrolls: ${each}${clocked ? ' late' : ' p95'})`,
      mid,
      clocked,
    );
  }
}

async function training(serve: Serve, browser: Browser): Promise<void> {
  await settle();
  const train = await measureTrainView(browser, serve, {
    size: TRAIN_SIZE,
    minutes: TRAIN_MINUTES,
    batchSize: 2,
  });
  frameRow(
    'Train',
    `charts while a run streams (${TRAIN_SIZE} px, ${TRAIN_MINUTES} min, ${train.backend})`,
    train,
    true,
  );
  row(
    'Train',
    'train.step events received / loss-chart updates, while recording',
    `${train.events} / ${train.chartUpdates} (run: ${train.steps} steps)`,
  );

  await settle();
  const ins = await measureInspect(browser, serve, INSPECT_SAMPLES);
  row(
    'Inspect',
    `result in the page → 25 heatmaps + overlay built, p50 / max of ${ins.samples} boxes (640×480 image, ${TRAIN_SIZE} px model)`,
    `${ms(ins.buildP50)} / ${ms(ins.buildMax)}`,
  );
  row(
    'Inspect',
    '… → heatmap images decoded and drawn, p50 / max',
    `${ms(ins.paintP50)} / ${ms(ins.paintMax)}`,
  );
  row(
    'Inspect',
    'inspect.run round trip from the page (trainer job): first (loads the model) / p50 of the others',
    `${ms(ins.firstTrip)} / ${ms(ins.tripP50)}`,
  );
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const started = performance.now();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1));
  try {
    const work = cleanup.tempDir('dws-bench-ui-');
    const serve = await startServe(cleanup, SERVE_ROOT);
    const setup: string[][] = [];
    const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const r = await fn();
      setup.push([what, s(performance.now() - t)]);
      return r;
    };
    const browsers = [await launchBrowser(cleanup), await launchBrowser(cleanup, true)];
    if (ONLY.has('annotate')) {
      await step(`Annotate project: ${PHOTOS} full-HD JPEGs, ${BOXES} + 40 boxes each`, () =>
        makeAnnotateProject(serve, work),
      );
      await annotate(serve, browsers);
    }
    if (ONLY.has('library')) {
      const project = await step(
        `Library project: ${IMAGES.toLocaleString('en-US')} PNGs + COCO, imported`,
        () => makeLibraryProject(serve, work, IMAGES),
      );
      await library(serve, browsers, project);
    }
    if (ONLY.has('train')) {
      await step('Train project: bccd fixture (8 images), imported', () => makeTrainProject(serve, work));
      await training(serve, browsers[0]!);
    }

    console.log(
      `\nbench:ui — Chromium ${browsers[0]!.version()} (${chromiumPath()}), headless, software rendering (--disable-gpu), 1400×900 viewport`,
    );
    console.log(
      `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}; load average at the start ${loadAtStart.join(' ')}` +
        (SERVE_ROOT === ROOT ? '' : `; app built in ${SERVE_ROOT}`),
    );
    console.log(`\n${table(['setup (not measured)', 'time'], setup)}\n`);
    console.log(
      table(
        ['view', 'measure', 'result', 'goal', 'met', 'load'],
        rows.map((r) => [
          r.view,
          r.measure,
          r.result,
          r.goal,
          r.met === null ? '' : r.met ? 'yes' : '**no**',
          r.load,
        ]),
      ),
    );
    console.log(
      `\nload: the 1-minute load average when the row was measured, on ${os.cpus().length} cores. ` +
        `Total ${s(performance.now() - started)}.`,
    );
  } finally {
    await cleanup.run();
  }
}

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
