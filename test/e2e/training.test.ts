import Database from 'better-sqlite3';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkTrainer } from '../../src-main/training/forkTrainer';
import { JobHost } from '../../src-main/training/jobHost';
import type { JobResult } from '../../src-main/training/protocol';
import type { Box } from '../../src-main/deploy/detector';
import { decodePixels } from '../../src-main/imaging/letterbox';
import type { PredictionRow } from '../../src-main/store/training';
import { serveModelPage } from './exportedModelPage';
import { type AppSession, openApp, ROOT, screenshot, type ServeProcess, stageView } from './harness';

// Label → one click → see what the model does and why, in Chromium against serve mode. Training
// is real (WebAssembly, 128 px, a budget of seconds), so the numbers are small but real.

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-train-'));
const projectFile = path.join(work, 'cells.dwproj');

beforeAll(async () => {
  // The fixture's COCO file names images relative to itself: copy both so the project owns them.
  cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd'), path.join(work, 'bccd'), { recursive: true });
  app = await openApp();
  ({ serve, page, errors } = app);
});

afterAll(() => app?.close());

function db() {
  return new Database(projectFile, { readonly: true });
}

/** Every save answered: what the SQLite file holds is what the screen shows. */
const saved = () => expect.poll(() => page.textContent('[data-testid=save-state]')).toBe('Saved');

function boxCount(imageId: number): number {
  return (db().prepare('SELECT COUNT(*) AS n FROM boxes WHERE image_id = ?').get(imageId) as { n: number }).n;
}

function predictionState(id: number): string {
  return (db().prepare('SELECT state FROM predictions WHERE id = ?').get(id) as { state: string }).state;
}

/** The image and the trainer's own inspect job that the Inspect tests compare the page with. */
let image: { id: number; path: string; width: number; height: number };
let r: JobResult<'inspect'>;

/** The largest value of a level over the points whose centre lies on the image. */
function onImage(values: Float32Array | number[], level: number): number {
  const stride = r.maps.strides[level]!;
  const { width } = r.maps.levelSizes[level]!;
  let m = -Infinity;
  for (let row = 0; (row + 0.5) * stride < image.height * r.scale; row++)
    for (let col = 0; (col + 0.5) * stride < image.width * r.scale; col++)
      m = Math.max(m, values[r.maps.levelStarts[level]! + row * width + col]!);
  return m;
}

async function chartPoints(testid: string): Promise<number> {
  return Number(await page.getAttribute(`[data-testid=${testid}]`, 'data-points'));
}

describe('train, review, suggestions and inspect in Chromium', () => {
  it('imports a labeled dataset', async () => {
    await page.goto(serve.url);
    await page.fill('[data-testid=create-project] input', projectFile);
    await page.click('[data-testid=create-project] button');
    await page.waitForSelector('[data-testid=view-library]');
    await page.click('[data-testid=toggle-import]');
    await page.selectOption('[data-testid=dataset-format]', 'coco');
    await page.fill('[data-testid=import-path] input', path.join(work, 'bccd/annotations.json'));
    await page.click('[data-testid=import-path] button');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');
  });

  it('one click on Train, settings untouched, runs exactly the plan on screen', async () => {
    await page.click('[data-nav=train]');
    await page.waitForSelector('[data-testid=train-plan]');
    const shown = await page.$$eval('[data-testid=train-plan] [data-plan]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-plan'), e.textContent!.trim()])),
    );
    // The plan the button uses when nothing was changed: the one the API gives without overrides.
    const plan = await page.evaluate(async () => {
      const r = await fetch('/api/train.plan', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return ((await r.json()) as { value: { config: Record<string, unknown> } }).value.config;
    });

    await page.click('[data-testid=train-button]');
    // The first live step arrives on screen, then the run is cancelled (its length is minutes).
    await expect
      .poll(async () => Number((await page.textContent('[data-testid=live-step]'))!.split(' ')[0]), {
        timeout: 90_000,
      })
      .toBeGreaterThanOrEqual(1);
    await expect.poll(() => chartPoints('chart-loss')).toBeGreaterThanOrEqual(1);
    await page.click('[data-testid=cancel-training]');
    await expect
      .poll(() => page.getAttribute('[data-run-id="1"]', 'data-state'), { timeout: 60_000 })
      .toBe('cancelled');

    const run = db().prepare('SELECT id, config FROM runs').all() as Array<{ id: number; config: string }>;
    expect(run.map((r) => r.id)).toEqual([1]);
    const config = JSON.parse(run[0]!.config) as {
      assigner: string;
      refine: boolean;
      preset: string;
      size: number;
      minutes: number | null;
      epochs: number | null;
      maxSteps: number | null;
    };
    expect(config).toEqual(plan);
    expect(shown.assigner).toBe(config.assigner.toUpperCase());
    expect('refine' in shown).toBe(config.refine && config.assigner === 'dw');
    expect(shown.preset).toBe(config.preset);
    expect(Number(shown.size)).toBe(config.size);
    expect(shown.budget).toBe(config.minutes ? `${config.minutes} minutes` : `${config.epochs} epochs`);
    expect(config.maxSteps).toBeNull();
  });

  it('trains from the button with live charts, cancels, and resumes to the end', async () => {
    // Run 1 was the one-click run above; this one is run 2.
    expect(await page.textContent('[data-testid=train-plan]')).toContain('WebAssembly');
    // A short budget at a small size keeps the test fast; everything else is the one-click plan.
    await page.click('.advanced summary');
    await page.selectOption('.advanced label:has-text("Input size") select', '128');
    // An epoch budget makes the run's length exact: 5 training images, batch 4 → 1 step per epoch.
    await page.selectOption('.advanced label:has-text("Budget") select', 'epochs');
    await page.fill('[data-testid=adv-budget]', '60');
    await page.press('[data-testid=adv-budget]', 'Tab');
    await expect.poll(() => page.textContent('[data-testid=train-plan]')).toContain('60 epochs');
    expect(await page.textContent('[data-testid=train-plan]')).toContain('128 px');

    await page.click('[data-testid=train-button]');
    // The charts show the new run, not the points of run 1 they showed until now.
    await expect.poll(() => page.textContent('[data-testid=live-stats] h2')).toContain('Run 2');
    await expect.poll(() => chartPoints('chart-loss'), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    expect(await chartPoints('chart-lr')).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'train-running');
    await page.click('[data-testid=cancel-training]');
    await expect
      .poll(() => page.getAttribute('[data-run-id="2"]', 'data-state'), { timeout: 60_000 })
      .toBe('cancelled');
    const stepsAtCancel = (
      db().prepare('SELECT COUNT(*) AS n FROM run_metrics WHERE run_id = 2').get() as { n: number }
    ).n;
    expect(stepsAtCancel).toBeGreaterThan(0);

    await page.click('[data-testid=resume-2]');
    await expect
      .poll(() => page.getAttribute('[data-run-id="2"]', 'data-state'), { timeout: 120_000 })
      .toBe('done');
    await expect.poll(() => chartPoints('chart-map')).toBeGreaterThanOrEqual(1);
    const run = db().prepare('SELECT status, summary FROM runs WHERE id = 2').get() as {
      status: string;
      summary: string;
    };
    expect(run.status).toBe('done');
    const summary = JSON.parse(run.summary) as { steps: number; AP: number; valImages: number };
    expect(summary.steps).toBe(60);
    // The panel says which AP it shows: the last validation's, the final model's once the run is done.
    expect(await page.textContent('[data-testid=run-ap]')).toBe(`${(summary.AP * 100).toFixed(1)} %`);
    // Fewer validation images than a point's least: every point used all of them, and no note says otherwise.
    expect(summary.valImages).toBeLessThan(8);
    expect(await page.locator('[data-testid=chart-note]').count()).toBe(0);
    await screenshot(page, 'train');
  });

  it('follows a budget as it is typed in the plan, before it is confirmed', async () => {
    await page.selectOption('.advanced label:has-text("Budget") select', 'minutes');
    await page.fill('[data-testid=adv-budget]', '3');
    await expect.poll(() => page.textContent('[data-testid=train-plan]')).toContain('3 minutes');
    expect(await page.textContent('[data-testid=train-plan]')).toContain('128 px');
  });

  // Run 3, three minutes at 128 px: long enough to be watched while it trains, then cancelled.
  const run3 = () => page.locator('[data-run-id="3"]');

  it('locks the settings of a run while it trains', async () => {
    await page.press('[data-testid=adv-budget]', 'Tab');
    await page.click('[data-testid=train-button]');
    await expect.poll(() => page.textContent('[data-testid=live-stats] h2')).toContain('Run 3');
    await expect
      .poll(async () => Number((await page.textContent('[data-testid=live-step]'))!.split(' ')[0]), {
        timeout: 90_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await page.isDisabled('[data-testid=adv-budget]')).toBe(true);
    expect(await page.isDisabled('[data-testid=adv-assigner]')).toBe(true);
  });

  it('counts the steps and time of the running run in the runs table as they come', async () => {
    await expect
      .poll(async () => Number(await run3().locator('[data-col=steps]').textContent()))
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => run3().locator('[data-col=time]').textContent()).not.toBe('0 s');
  });

  it('shows the latest values in the chart legends without a hover', async () => {
    const legend = await page.$$eval('[data-testid=chart-loss] .u-legend .u-value', (els) =>
      els.map((e) => e.textContent),
    );
    expect(legend.length).toBeGreaterThan(1);
    expect(legend.filter((v) => v === '--')).toEqual([]);
  });

  it('shows the running run’s own settings after the tab is closed and opened again', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=view-train]');
    await expect.poll(() => page.textContent('[data-testid=active-run]')).toContain('Run 3 is training');
    expect(await page.textContent('[data-testid=train-plan]')).toContain('3 minutes');
    expect(await page.textContent('[data-testid=train-plan]')).toContain('128 px');
    expect(await page.isDisabled('[data-testid=adv-budget]')).toBe(true);
    await expect
      .poll(async () => Number(await run3().locator('[data-col=steps]').textContent()))
      .toBeGreaterThanOrEqual(2);
  });

  it('shows a training run and its progress in the status bar, from every view', async () => {
    await page.click('[data-nav=library]');
    await expect
      .poll(() => page.textContent('[data-testid=status-training]'))
      .toMatch(/Training run 3 · step \d+/);
    await screenshot(page, 'status-training');
    await page.click('[data-testid=status-training]');
    await page.waitForSelector('[data-testid=view-train]');
  });

  it('says Cancel waits for the next checkpoint, until the run has stopped', async () => {
    await page.click('[data-testid=cancel-training]');
    await expect
      .poll(() => page.textContent('[data-testid=cancel-training]'))
      .toBe('Stopping after the next checkpoint…');
    expect(await page.isDisabled('[data-testid=cancel-training]')).toBe(true);
    await expect.poll(() => run3().getAttribute('data-state'), { timeout: 60_000 }).toBe('cancelled');
    await expect.poll(() => page.locator('[data-testid=status-training]').count()).toBe(0);
    expect(await page.isDisabled('[data-testid=adv-budget]')).toBe(false);
  });

  it('runs a model over every image from Review', async () => {
    await page.click('[data-nav=review]');
    await page.waitForSelector('[data-testid=review-model] option', { state: 'attached' });
    await page.selectOption('[aria-label="Images to predict"]', 'all');
    await page.click('[data-testid=run-predict]');
    await expect
      .poll(() => page.textContent('[data-testid=run-predict]'), { timeout: 60_000 })
      .toBe('Run prediction');
    await expect.poll(() => page.locator('[data-testid=review-images] li button').count()).toBe(8);
  });

  it('says what a prediction run did: the images and the detections it stored', async () => {
    const found = db()
      .prepare('SELECT COUNT(*) AS n FROM predictions WHERE model_id = (SELECT MAX(id) FROM models)')
      .get() as { n: number };
    expect(await page.textContent('[data-testid=review-notice]')).toContain(
      `predicted 8 images: ${found.n} detection${found.n === 1 ? '' : 's'}`,
    );
  });

  it('stores a suggestion accepted in Annotate as a model-made label', async () => {
    await screenshot(page, 'review');

    const pending = db().prepare("SELECT COUNT(*) AS n FROM predictions WHERE state = 'pending'").get() as {
      n: number;
    };
    expect(pending.n).toBeGreaterThan(0);
    const first = db()
      .prepare('SELECT image_id AS imageId FROM predictions ORDER BY score DESC LIMIT 1')
      .get() as { imageId: number };
    const boxesBefore = (
      db().prepare('SELECT COUNT(*) AS n FROM boxes WHERE image_id = ?').get(first.imageId) as { n: number }
    ).n;

    await page.click('[data-nav=library]');
    await page.dblclick(`[data-image-id="${first.imageId}"]`);
    await page.waitForSelector('[data-testid=view-annotate]');
    // Nothing chosen yet: the newest model with predictions for this image is shown.
    const model = db().prepare('SELECT id FROM models ORDER BY id DESC LIMIT 1').get() as { id: number };
    await expect.poll(() => page.inputValue('[data-testid=suggestion-model]')).toBe(String(model.id));
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBeGreaterThan(0);
    const suggestionId = Number(await page.getAttribute('[data-suggestion-id]', 'data-suggestion-id'));
    await page.click(`[data-suggestion-id="${suggestionId}"]`);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(`[data-suggestion-id="${suggestionId}"]`).count()).toBe(0);
    await expect.poll(() => page.textContent('[data-testid=save-state]')).toBe('Saved');
    const stored = db().prepare('SELECT state FROM predictions WHERE id = ?').get(suggestionId) as {
      state: string;
    };
    expect(stored.state).toBe('accepted');
    const boxes = db()
      .prepare('SELECT source, score FROM boxes WHERE image_id = ?')
      .all(first.imageId) as Array<{
      source: string;
      score: number | null;
    }>;
    expect(boxes).toHaveLength(boxesBefore + 1);
    expect(boxes.filter((b) => b.source === 'model')).toHaveLength(1);
    expect(boxes.find((b) => b.source === 'model')!.score).toBeGreaterThan(0);

    // Undo takes the label away and brings the suggestion back; redo accepts it again.
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator(`[data-suggestion-id="${suggestionId}"]`).count()).toBe(1);
    await saved();
    expect(boxCount(first.imageId)).toBe(boxesBefore);
    await expect.poll(() => predictionState(suggestionId)).toBe('pending'); // in the file too
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator(`[data-suggestion-id="${suggestionId}"]`).count()).toBe(0);
    await saved();
    expect(boxCount(first.imageId)).toBe(boxesBefore + 1);
    expect(predictionState(suggestionId)).toBe('accepted');
    await screenshot(page, 'annotate-suggestions');
  });

  it('Delete rejects the selected suggestion, in the file; undo brings it back, in the file too', async () => {
    const id = Number(await page.getAttribute('[data-suggestion-id]', 'data-suggestion-id'));
    const imageId = (
      db().prepare('SELECT image_id AS i FROM predictions WHERE id = ?').get(id) as { i: number }
    ).i;
    const boxes = boxCount(imageId);
    await page.click(`[data-suggestion-id="${id}"]`);
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator(`[data-suggestion-id="${id}"]`).count()).toBe(0);
    await saved();
    expect(predictionState(id)).toBe('rejected');
    expect(boxCount(imageId)).toBe(boxes);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator(`[data-suggestion-id="${id}"]`).count()).toBe(1);
    expect(boxCount(imageId)).toBe(boxes);
    await expect.poll(() => predictionState(id)).toBe('pending');
  });

  it('accepts exactly the suggestions scored at or above a threshold, and undoes that in one step', async () => {
    // The image with the most pending suggestions; the threshold is one of their scores (≥ includes it).
    const model = db().prepare('SELECT id FROM models ORDER BY id DESC LIMIT 1').get() as { id: number };
    const { imageId } = db()
      .prepare(
        `SELECT image_id AS imageId FROM predictions WHERE model_id = ? AND state = 'pending'
         GROUP BY image_id ORDER BY COUNT(*) DESC, image_id LIMIT 1`,
      )
      .get(model.id) as { imageId: number };
    const pending = db()
      .prepare(
        `SELECT id, score FROM predictions WHERE model_id = ? AND image_id = ? AND state = 'pending'
         ORDER BY score DESC`,
      )
      .all(model.id, imageId) as Array<{ id: number; score: number }>;
    expect(pending.length).toBeGreaterThanOrEqual(3);
    const threshold = pending[Math.floor(pending.length / 2)]!.score;
    const above = pending.filter((p) => p.score >= threshold).map((p) => p.id);
    expect(above.length).toBeLessThan(pending.length);
    const boxes = boxCount(imageId);

    await page.click('[data-nav=library]');
    await page.dblclick(`[data-image-id="${imageId}"]`);
    await page.waitForSelector('[data-testid=view-annotate]');
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBe(pending.length);
    await page.fill('[data-testid=suggestion-threshold]', String(threshold));
    await page.press('[data-testid=suggestion-threshold]', 'Tab');
    await expect
      .poll(() => page.textContent('[data-testid=accept-all]'))
      .toContain(`Accept ${above.length} suggestions`);
    await screenshot(page, 'annotate-accept-all');
    await page.click('[data-testid=accept-all]');
    await saved();
    const states = db()
      .prepare('SELECT id, state FROM predictions WHERE model_id = ? AND image_id = ? ORDER BY id')
      .all(model.id, imageId) as Array<{ id: number; state: string }>;
    const accepted = states.filter((p) => p.state === 'accepted').map((p) => p.id);
    expect(accepted.sort((a, b) => a - b)).toEqual([...above].sort((a, b) => a - b));
    expect(states.filter((p) => p.state === 'pending')).toHaveLength(pending.length - above.length);
    expect(boxCount(imageId)).toBe(boxes + above.length);

    await page.keyboard.press('Control+z');
    await saved();
    expect(boxCount(imageId)).toBe(boxes);
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBe(pending.length);
    const undone = `SELECT COUNT(*) AS n FROM predictions WHERE model_id = ? AND image_id = ? AND state = 'pending'`;
    await expect
      .poll(() => (db().prepare(undone).get(model.id, imageId) as { n: number }).n)
      .toBe(pending.length);
  });

  it('keeps the chosen suggestion model, None included, from image to image', async () => {
    const model = db().prepare('SELECT id FROM models ORDER BY id DESC LIMIT 1').get() as { id: number };
    await page.selectOption('[data-testid=suggestion-model]', '');
    await expect.poll(() => page.locator('[data-testid=suggestion-list]').count()).toBe(0);
    const name = await page.textContent('[data-testid=image-name]');
    await page.keyboard.press('d');
    await expect.poll(() => page.textContent('[data-testid=image-name]')).not.toBe(name);
    // The next image's suggestions have been looked up (with None: none).
    const next = db()
      .prepare('SELECT id FROM images WHERE file_name = ?')
      .get(await page.textContent('[data-testid=image-name]')) as { id: number };
    await page.waitForSelector(`[data-loaded-for="${next.id}"]`);
    expect(await page.inputValue('[data-testid=suggestion-model]')).toBe('');
    expect(await page.locator('[data-testid=suggestion-list]').count()).toBe(0);
    await page.selectOption('[data-testid=suggestion-model]', String(model.id));
    await expect.poll(() => page.locator('[data-testid=suggestion-list]').count()).toBe(1);
    // Another view and back: the choice is the session's, not the view's.
    await page.click('[data-nav=library]');
    await page.click('[data-nav=annotate]');
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('[data-testid=image-name]')).toBe(name);
    await expect.poll(() => page.inputValue('[data-testid=suggestion-model]')).toBe(String(model.id));
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBeGreaterThan(0);
  });

  it('shows per-level heatmaps whose values under the cursor equal the trainer’s inspect job', async () => {
    // Right-click the first labeled box in Annotate: Inspect opens for it.
    image = db().prepare('SELECT id, path, width, height FROM images ORDER BY id LIMIT 1').get() as {
      id: number;
      path: string;
      width: number;
      height: number;
    };
    await page.click('[data-nav=library]');
    await page.dblclick(`[data-image-id="${image.id}"]`);
    await page.waitForSelector('[data-testid=view-annotate]');
    const labels = db()
      .prepare('SELECT id, class_id AS classId, x, y, w, h FROM boxes WHERE image_id = ? ORDER BY id')
      .all(image.id) as Array<{ id: number; classId: number; x: number; y: number; w: number; h: number }>;
    // Right-click inside a box that a suggestion (shown by default) covers: the topmost labeled box
    // under the cursor is the one inspected, not the suggestion drawn over it.
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBeGreaterThan(0);
    const suggestions = db()
      .prepare("SELECT x, y, w, h FROM predictions WHERE image_id = ? AND state = 'pending'")
      .all(image.id) as Array<{ x: number; y: number; w: number; h: number }>;
    const first = labels.find((b) => {
      const [cx, cy] = [b.x + b.w / 2, b.y + b.h / 2];
      return suggestions.some((p) => cx >= p.x && cx <= p.x + p.w && cy >= p.y && cy <= p.y + p.h);
    })!;
    expect(first).toBeDefined();
    const annotateView = await stageView(page);
    const centre = annotateView.toPage({ x: first.x + first.w / 2, y: first.y + first.h / 2 });
    await page.mouse.click(centre.x, centre.y, { button: 'right' });
    await page.waitForSelector('[data-testid=view-inspect]');
    await page.waitForSelector('[data-testid=heatmap-grid]', { timeout: 60_000 });
    const boxId = Number(await page.inputValue('[data-testid=inspect-box]'));
    const boxIndex = labels.findIndex((b) => b.id === boxId);
    expect(boxIndex).toBeGreaterThanOrEqual(0);
    const target = labels[boxIndex]!;
    await page.click('[data-cell="wPos-0"]');

    // Hover the box centre on the big stage and read the numbers.
    const inspectView = await stageView(page);
    const cx = target.x + target.w / 2;
    const cy = target.y + target.h / 2;
    const hover = inspectView.toPage({ x: cx, y: cy });
    await page.mouse.move(hover.x, hover.y);
    await expect.poll(() => page.textContent('[data-testid=readout]')).toContain('stride 8');
    const readout = await page.$$eval('[data-testid=readout] [data-q]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-q'), e.textContent!.trim().split(' ').pop()])),
    );
    await screenshot(page, 'inspect');

    // The same job, run directly by a trainer process of our own on the same model and inputs.
    const modelPath = (
      db().prepare('SELECT path FROM models ORDER BY id DESC LIMIT 1').get() as { path: string }
    ).path;
    const dataDir = `${projectFile}-data`;
    const manifest = JSON.parse(readFileSync(path.join(dataDir, modelPath, 'manifest.json'), 'utf8')) as {
      meta: { classes: Array<{ id: number }> };
    };
    const classIndex = new Map(manifest.meta.classes.map((c, i) => [c.id, i]));
    const host = new JobHost(forkTrainer(path.join(ROOT, 'dist/main/trainer.cjs')));
    try {
      const { result } = await host.run(
        {
          kind: 'inspect',
          jobId: 'check',
          modelDir: path.join(dataDir, modelPath),
          image: {
            id: image.id,
            path: path.join(work, image.path),
            width: image.width,
            height: image.height,
          },
          boxes: labels.map((b) => [b.x, b.y, b.w, b.h]),
          labels: labels.map((b) => classIndex.get(b.classId)!),
          boxIndex,
        },
        () => {},
      ).done;
      r = result!;
    } finally {
      await host.dispose();
    }
    {
      const stride = r.maps.strides[0]!;
      const width = r.maps.levelSizes[0]!.width;
      const index = Math.floor((cy * r.scale) / stride) * width + Math.floor((cx * r.scale) / stride);
      const expected = {
        score: r.maps.score[index]!,
        iou: r.maps.iou[index]!,
        prior: r.maps.centerPrior[index]!,
        wPos: r.maps.wPos[index]!,
        wNeg: r.maps.wNeg[index]!,
      };
      expect(expected.prior).toBeGreaterThan(0.5); // the box centre: the prior is high there
      for (const [q, v] of Object.entries(expected)) {
        // The readout shows 3 decimals (or 3 significant digits below 0.01).
        const shown = Number(readout[q]);
        expect(Math.abs(shown - v)).toBeLessThanOrEqual(Math.max(5e-4, Math.abs(v) * 5e-3));
      }
      writeFileSync(
        path.join(ROOT, 'test-results', 'inspect-check.json'),
        JSON.stringify({ readout, expected }, null, 2),
      );
    }

    // FCOS targets: hover a point FCOS assigns to this box (the first one, on whatever level it is)
    // and read the same job's numbers there.
    await page.click('[data-testid=mode-fcos]');
    await page.waitForSelector('[data-cell="fcosPositive-0"]');
    const positive = r.maps.fcosPositive.indexOf(1);
    expect(positive).toBeGreaterThanOrEqual(0);
    let level = 0;
    while (level + 1 < r.maps.levelStarts.length && r.maps.levelStarts[level + 1]! <= positive) level++;
    const stride = r.maps.strides[level]!;
    const local = positive - r.maps.levelStarts[level]!;
    const row = Math.floor(local / r.maps.levelSizes[level]!.width);
    const col = local % r.maps.levelSizes[level]!.width;
    await page.click(`[data-cell="fcosPositive-${level}"]`);
    // The point's centre, (j + 0.5)·stride network pixels, in image pixels, then on the page.
    const [px, py] = [((col + 0.5) * stride) / r.scale, ((row + 0.5) * stride) / r.scale];
    const point = inspectView.toPage({ x: px, y: py });
    await page.mouse.move(point.x, point.y);
    await expect
      .poll(() => page.textContent('[data-testid=readout]'))
      .toContain(`stride ${stride} · point (${row}, ${col})`);
    const fcosReadout = await page.$$eval('[data-testid=readout] [data-q]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-q'), e.textContent!.trim().split(' ').pop()])),
    );
    const fcosExpected = {
      score: r.maps.score[positive]!,
      iou: r.maps.iou[positive]!,
      fcosPositive: 1,
      fcosCenterness: r.maps.fcosCenterness[positive]!,
    };
    expect(Object.keys(fcosReadout).sort()).toEqual(Object.keys(fcosExpected).sort());
    expect(fcosExpected.fcosCenterness).toBeGreaterThan(0); // assigned: a centerness target is set
    for (const [q, v] of Object.entries(fcosExpected)) {
      const shown = Number(fcosReadout[q]);
      expect(Math.abs(shown - v)).toBeLessThanOrEqual(Math.max(5e-4, Math.abs(v) * 5e-3));
    }
    await screenshot(page, 'inspect-fcos');
    writeFileSync(
      path.join(ROOT, 'test-results', 'inspect-fcos-check.json'),
      JSON.stringify({ level, row, col, readout: fcosReadout, expected: fcosExpected }, null, 2),
    );
    expect(errors).toEqual([]);
  });

  it('maps every level back through the letterbox onto the image’s own area, with maxima of the image', async () => {
    await page.click('[data-testid=mode-dw]');
    await page.waitForSelector('[data-cell="wPos-0"]');
    // The maps lie over the image's own area: the network's input is square, this photo is landscape,
    // and the padding below it is left out (the overlay covers exactly the image's pixels).
    expect(await page.getAttribute('[data-testid=annotation-stage]', 'data-overlay')).toBe(
      `${image.width}x${image.height}`,
    );
    const [tileW, tileH] = await page.$eval('[data-cell="wPos-0"] img', (img) => [
      img.clientWidth,
      img.clientHeight,
    ]);
    expect(tileW! / tileH!).toBeCloseTo(image.width / image.height, 1);
    // Each tile's max and each row's, over the points whose centre lies on the image.
    const levels = r.maps.strides.map((_, l) => l);
    const tileMax = (q: string, l: number) => page.textContent(`[data-tile-max="${q}-${l}"]`).then(Number);
    const close = (shown: number, v: number) =>
      expect(Math.abs(shown - v)).toBeLessThanOrEqual(Math.max(5e-4, Math.abs(v) * 5e-3));
    for (const [q, values] of [
      ['wPos', r.maps.wPos],
      ['wNeg', r.maps.wNeg],
      ['prior', r.maps.centerPrior],
    ] as const) {
      const perLevel = levels.map((l) => onImage(values, l));
      for (const l of levels) close(await tileMax(q, l), perLevel[l]!);
      const rowMax = (await page.textContent(`[data-row-max=${q}]`))!.replace('max ', '');
      close(Number(rowMax), Math.max(...perLevel));
    }
  });

  it('scales each tile to its own maximum when asked, and prints every tile’s maximum', async () => {
    // Scaled per tile, a level darker than its row's brightest is drawn anew against its own max.
    const levels = r.maps.strides.map((_, l) => l);
    const tileMax = (l: number) => page.textContent(`[data-tile-max="wPos-${l}"]`).then(Number);
    const perLevelWPos = levels.map((l) => onImage(r.maps.wPos, l));
    const dim = levels.find((l) => perLevelWPos[l]! < Math.max(...perLevelWPos) && perLevelWPos[l]! > 0)!;
    const before = await page.getAttribute(`[data-cell="wPos-${dim}"] img`, 'src');
    await page.check('[data-testid=scale-per-level]');
    await expect.poll(() => page.getAttribute(`[data-cell="wPos-${dim}"] img`, 'src')).not.toBe(before);
    expect(await page.textContent('[data-testid=heatmap-grid] + .legend')).toContain('max of each tile');
    for (const l of levels) {
      const shown = await tileMax(l);
      expect(Math.abs(shown - perLevelWPos[l]!)).toBeLessThanOrEqual(Math.max(5e-4, perLevelWPos[l]! * 5e-3));
    }
    await screenshot(page, 'inspect-per-level');
    await page.uncheck('[data-testid=scale-per-level]');
    expect(errors).toEqual([]);
  });

  it('exports the model from Review; in a web page its module finds the boxes the app found, to 1e-4', async () => {
    // Below the repository, so the page's bundle resolves TensorFlow.js from its node_modules.
    const site = path.join(ROOT, 'node_modules', '.cache', 'dw-studio-tests', `e2e-model-${process.pid}`);
    rmSync(site, { recursive: true, force: true });
    const model = db()
      .prepare("SELECT id, name FROM models WHERE source = 'trained' ORDER BY id DESC")
      .get() as {
      id: number;
      name: string;
    };
    await page.click('[data-nav=review]');
    await page.selectOption('[data-testid=review-model]', String(model.id));
    await page.click('[data-testid=toggle-export-model]');
    await page.fill('[data-testid=export-model] input', path.join(site, 'model'));
    await page.click('[data-testid=export-model] button');
    await expect
      .poll(() => page.textContent('[data-testid=review-notice]'))
      .toContain(`Exported ${model.name} to ${path.join(site, 'model')}`);

    // The image with the most detections, as the app decoded it, losslessly as a PNG for the browser.
    const shown = db()
      .prepare(
        `SELECT i.id, i.path FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.model_id = ?
         GROUP BY i.id ORDER BY COUNT(*) DESC, i.id LIMIT 1`,
      )
      .get(model.id) as { id: number; path: string };
    const pixels = await decodePixels(path.resolve(path.dirname(projectFile), shown.path));
    const png = path.join(site, 'image.png');
    mkdirSync(site, { recursive: true });
    await sharp(pixels.data, {
      raw: { width: pixels.width, height: pixels.height, channels: pixels.channels as 3 },
    })
      .png()
      .toFile(png);
    const stored = db()
      .prepare(
        'SELECT class_id AS classId, x, y, w, h, score FROM predictions WHERE model_id = ? AND image_id = ? ORDER BY score DESC, id',
      )
      .all(model.id, shown.id) as Array<Pick<PredictionRow, 'classId' | 'x' | 'y' | 'w' | 'h' | 'score'>>;
    expect(stored.length).toBeGreaterThan(0);

    const server = await serveModelPage(site, {});
    const web = await app.browser.newPage();
    const webErrors: string[] = [];
    web.on('pageerror', (e) => webErrors.push(e.message));
    try {
      await web.goto(server.url);
      await web.waitForFunction(() => 'detect' in globalThis);
      const found = (await web.evaluate(
        (url) => (globalThis as unknown as { detect(u: string): Promise<unknown> }).detect(url),
        '/image.png',
      )) as { backend: string; boxes: Box[] };
      expect(found.backend).toBe('wasm');
      const classIds = (db().prepare('SELECT id FROM classes ORDER BY id').all() as { id: number }[]).map(
        (c) => c.id,
      );
      // The app stores no box of zero width or height.
      const boxes = found.boxes.filter((b) => b.width > 0 && b.height > 0);
      expect(boxes).toHaveLength(stored.length);
      boxes.forEach((b, k) => {
        const s = stored[k]!;
        expect(classIds[b.classIndex]).toBe(s.classId);
        const diffs = [b.x - s.x, b.y - s.y, b.width - s.w, b.height - s.h, b.score - s.score].map(Math.abs);
        expect(Math.max(...diffs), `box ${k}`).toBeLessThanOrEqual(1e-4);
      });
    } finally {
      await web.close();
      await server.close();
      rmSync(site, { recursive: true, force: true });
    }
    expect(webErrors).toEqual([]);
    expect(errors).toEqual([]);
  });
});
