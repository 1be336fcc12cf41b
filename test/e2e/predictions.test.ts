import Database from 'better-sqlite3';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorConfig } from '../../src-main/detector/config';
import type { ModelInfo } from '../../src-main/shared/api/training';
import { ProjectStore } from '../../src-main/store/projectStore';
import {
  type AppSession,
  callFromPage,
  openApp,
  type Point,
  ROOT,
  screenshot,
  type ServeProcess,
  stageView,
} from './harness';

// A model's detections as a user sees them in Annotate (suggestions) and Review. The model is a row
// and its detections, written into the project as the predict job writes them, with chosen scores:
// a weak model, most of whose detections are low-scored noise over the labels.

let serve: ServeProcess;
let app: AppSession;
let page: Page;
let errors: string[];
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-predictions-'));
const projectFile = path.join(work, 'cells.dwproj');

interface Label extends Rect {
  id: number;
  imageId: number;
  classId: number;
}
interface Suggestion extends Label {
  score: number;
}

const db = () => new Database(projectFile, { readonly: true });
function labelsOf(imageId: number): Label[] {
  return db()
    .prepare(
      'SELECT id, image_id AS imageId, class_id AS classId, x, y, w, h FROM boxes WHERE image_id = ? ORDER BY id',
    )
    .all(imageId) as Label[];
}
function suggestionsOf(imageId: number): Suggestion[] {
  return db()
    .prepare(
      `SELECT id, image_id AS imageId, class_id AS classId, x, y, w, h, score FROM predictions
       WHERE image_id = ? AND state = 'pending' ORDER BY score DESC, id`,
    )
    .all(imageId) as Suggestion[];
}

const api = <T>(method: string, payload: unknown = {}) => callFromPage<T>(page, method, payload);

type Rect = { x: number; y: number; w: number; h: number };
const contains = (b: Rect, p: Point, margin = 0) =>
  p.x >= b.x - margin && p.y >= b.y - margin && p.x <= b.x + b.w + margin && p.y <= b.y + b.h + margin;
/** Within `margin` of the box's outline. */
const nearEdge = (b: Rect, p: Point, margin: number) =>
  contains(b, p, margin) &&
  !contains({ x: b.x + margin, y: b.y + margin, w: b.w - 2 * margin, h: b.h - 2 * margin }, p);

/** The label of the first image that a suggestion covers: one whose left edge no other label is near. */
let covered: Label;

/**
 * A weak model over every image: each label found (scores 0.9 down to 0.45, 3 px off), and five
 * detections of nothing per image (scores 0.08 to 0.4); on the first image, one more at 0.85 that
 * covers a label and 25 px around it.
 */
function writeWeakModel(): void {
  const store = ProjectStore.open(projectFile);
  try {
    const t = store.training;
    // Its manifest, as a trained model has one: Review reads the classes it was trained on.
    const classes = store.classes.list().map((c) => ({ id: c.id, name: c.name }));
    const dir = path.join(`${projectFile}-data`, 'models', 'weak');
    mkdirSync(dir, { recursive: true });
    const meta = {
      detector: detectorConfig({ numClasses: classes.length }),
      classes,
      trainedSteps: 1,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ meta }));
    const runId = t.createRun({ assigner: 'dw' }, 'snapshot');
    const modelId = t.createModel({
      runId,
      path: 'models/weak',
      metrics: { AP: 0.1, AP50: 0.2 },
      name: 'Weak',
    });
    const images = store.images.files();
    const rows = images.flatMap((im, i) => {
      const labels = store.boxes.forImage(im.id);
      const found = labels.map((b, k) => ({
        imageId: im.id,
        classId: b.classId,
        x: b.x + 3,
        y: b.y + 3,
        w: b.w,
        h: b.h,
        score: 0.9 - ((k * 7 + i) % 10) * 0.05,
      }));
      const noise = [0.08, 0.12, 0.2, 0.3, 0.4].map((score, k) => ({
        imageId: im.id,
        classId: labels[0]?.classId ?? 1,
        x: 40 + k * 110,
        y: 380 - k * 60,
        w: 60,
        h: 50,
        score,
      }));
      if (i === 0) {
        const edge = (b: Rect): Point => ({ x: b.x, y: b.y + b.h / 2 });
        const alone = labels.find(
          (b) => b.x > 30 && !labels.some((o) => o !== b && contains(o, edge(b), 12)),
        )!;
        covered = { ...alone, imageId: im.id };
      }
      const cover =
        i === 0
          ? [
              {
                ...covered,
                x: covered.x - 25,
                y: covered.y - 25,
                w: covered.w + 50,
                h: covered.h + 50,
                score: 0.85,
              },
            ]
          : [];
      return [...found, ...noise, ...cover];
    });
    t.savePredictions(
      modelId,
      images.map((im) => im.id),
      rows,
    );
  } finally {
    store.close();
  }
}

/** The canvas's colour at an image point (the layer that draws the image and the boxes). */
async function pixel(at: Point): Promise<number[]> {
  return page.$eval(
    '[data-testid=annotation-stage] canvas',
    (el, [x, y]) => {
      const canvas = el as unknown as CanvasLike;
      const r = canvas.getBoundingClientRect();
      const ratio = canvas.width / r.width;
      const data = canvas
        .getContext('2d')
        .getImageData(Math.round((x - r.left) * ratio), Math.round((y - r.top) * ratio), 1, 1).data;
      return Array.from(data);
    },
    [at.x, at.y] as const,
  );
}

/** What the page's canvas offers to `pixel` (the tests are typed without the DOM's types). */
interface CanvasLike {
  width: number;
  getBoundingClientRect(): { left: number; top: number; width: number };
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
}

/**
 * A point inside `box` (a suggestion) and outside `label`, away from every other outline drawn and
 * from the score tags (a plate of about 40 × 14 screen pixels above each box's top-left corner).
 */
function clearPointIn(box: Rect, label: Rect, drawn: Rect[], tagged: Rect[]): Point {
  for (let y = box.y + 6; y < box.y + box.h - 6; y += 2) {
    for (let x = box.x + 6; x < box.x + box.w - 6; x += 2) {
      const p = { x, y };
      if (contains(label, p, 6)) continue;
      if (drawn.some((b) => nearEdge(b, p, 5))) continue;
      if (tagged.some((b) => contains({ x: b.x - 2, y: b.y - 18, w: 50, h: 22 }, p))) continue;
      return p;
    }
  }
  throw new Error('no clear point in the box');
}

let firstImage: number;
let model: ModelInfo;

beforeAll(async () => {
  cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd'), path.join(work, 'bccd'), { recursive: true });
  app = await openApp();
  ({ serve, page, errors } = app);
});

afterAll(() => app?.close());

describe('a weak model’s detections in Annotate and Review', () => {
  it('imports a labeled dataset, all of it for validation, and a weak model’s detections', async () => {
    await page.goto(serve.url);
    await page.fill('[data-testid=create-project] input', projectFile);
    await page.click('[data-testid=create-project] button');
    await page.waitForSelector('[data-testid=view-library]');
    await api('dataset.import', { format: 'coco', path: path.join(work, 'bccd/annotations.json') });
    const ids = (await api<{ items: Array<{ id: number }> }>('images.list')).items.map((im) => im.id);
    await api('images.setSplit', { ids, split: 'val' });
    writeWeakModel();
    firstImage = ids[0]!;
    model = (await api<ModelInfo[]>('models.list'))[0]!;
    expect(model!.bestF1).not.toBeNull();
    expect(model!.bestF1!.images).toBe(ids.length);
  });

  it('draws only the suggestions at or above the model’s best-F1 score, as outlines with their score', async () => {
    await page.goto(`${serve.url}#/annotate?image=${firstImage}`);
    const pending = suggestionsOf(firstImage);
    const threshold = model.bestF1!.score;
    const shown = pending.filter((p) => p.score >= threshold);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(pending.length);
    await expect.poll(() => page.inputValue('[data-testid=suggestion-threshold]')).toBe(threshold.toFixed(2));
    expect(await page.textContent('[data-testid=threshold-source]')).toContain('best F1');
    const stage = page.locator('[data-testid=annotation-stage]');
    await expect
      .poll(() => stage.getAttribute('data-boxes'))
      .toBe(`label:${labelsOf(firstImage).length} suggestion:${shown.length}`);
    expect((await stage.getAttribute('data-tags'))!.split('|')).toEqual(
      shown.map((p) => `${(p.score * 100).toFixed(0)}%`),
    );
    // The list has them all, best first, and says which are drawn.
    const listed = await page.$$eval('[data-suggestion-id]', (els) =>
      els.map((e) => [Number(e.getAttribute('data-score')), e.getAttribute('data-shown')]),
    );
    expect(listed).toEqual(pending.map((p) => [p.score, String(p.score >= threshold)]));
    expect(await page.textContent('[data-testid=suggestion-count]')).toContain(
      `${shown.length} of ${pending.length} shown`,
    );
    await screenshot(page, 'annotate-suggestions-threshold');

    // Outlines only: inside the covering suggestion, the canvas is what it is with no suggestions.
    const v = await stageView(page);
    const labels = labelsOf(firstImage);
    const cover = shown.find((p) => p.score === 0.85)!;
    const point = clearPointIn(cover, covered, [...labels, ...shown], shown);
    const inside = v.toPage(point);
    await page.mouse.move(5, 5);
    const withSuggestions = await pixel(inside);
    await page.selectOption('[data-testid=suggestion-model]', '');
    await expect.poll(() => stage.getAttribute('data-boxes')).toBe(`label:${labelsOf(firstImage).length}`);
    expect(await pixel(inside)).toEqual(withSuggestions);
    await page.selectOption('[data-testid=suggestion-model]', String(model.id));
    await expect.poll(() => stage.getAttribute('data-boxes')).toContain(`suggestion:${shown.length}`);

    // The box under the pointer says what it is: the topmost there, the last drawn of those holding it.
    const top = [...labels.map((b) => ({ ...b, score: null })), ...shown]
      .filter((b) => contains(b, point))
      .at(-1)!;
    expect(top.score).not.toBeNull();
    // (Moved onto it again each time: the boxes just drawn take pointer events from the next frame.)
    let nudge = 0;
    await expect
      .poll(async () => {
        await page.mouse.move(inside.x + (nudge++ % 2), inside.y);
        return page.textContent('[data-testid=box-tip]');
      })
      .toMatch(new RegExp(`suggestion: \\w+ · ${(top.score! * 100).toFixed(0)}%`));

    // A lower threshold draws more of them; its own threshold comes back from the link.
    await page.fill('[data-testid=suggestion-threshold]', '0.05');
    await page.press('[data-testid=suggestion-threshold]', 'Tab');
    await expect.poll(() => stage.getAttribute('data-boxes')).toContain(`suggestion:${pending.length}`);
    await page.click('[data-testid=threshold-reset]');
    await expect.poll(() => stage.getAttribute('data-boxes')).toContain(`suggestion:${shown.length}`);
  });

  it('opens Inspect from a right-click on a label’s outline, where a suggestion covers it', async () => {
    const v = await stageView(page);
    const label = covered;
    // Just outside the left edge, on the label's stroke, inside the suggestion drawn over it.
    const edge = v.toPage({ x: label.x, y: label.y + label.h / 2 });
    await page.mouse.click(Math.ceil(edge.x) - 2, Math.round(edge.y), { button: 'right' });
    await page.waitForSelector('[data-testid=view-inspect]');
    await expect.poll(() => page.inputValue('[data-testid=inspect-box]')).toBe(String(label.id));
  });

  it('Review: says what the three numbers of a row are, in a header and on each number', async () => {
    await page.click('[data-nav=review]');
    await expect.poll(() => page.locator('[data-review-image]').count()).toBe(8);
    const head = page.locator('[data-testid=review-list-head]');
    expect(await head.textContent()).toMatch(/Image\s*found\s*wrong\s*missed/);
    expect(await head.locator('.tp').getAttribute('title')).toContain('True positives');
    expect(await head.locator('.fp').getAttribute('title')).toContain('False positives');
    expect(await head.locator('.fn').getAttribute('title')).toContain('Missed');
    const row = page.locator('[data-review-image] >> nth=0');
    const tp = Number(await row.locator('.tp').textContent());
    expect(await row.locator('.tp').getAttribute('title')).toBe(
      `${tp} true positive${tp === 1 ? '' : 's'}: detections that found a label`,
    );
  });

  it('Review: draws each detection with its score, and says what it is under the pointer', async () => {
    // The image shown: every detection above the threshold drawn with its score on it.
    const imageId = Number(await page.getAttribute('[data-review-image].on', 'data-review-image'));
    const r = await api<{
      predictions: Array<Rect & { score: number; matchedBoxId: number | null; classId: number }>;
      missedBoxIds: number[];
    }>('review.image', { modelId: model.id, imageId, scoreThreshold: 0.3 });
    const stage = page.locator('[data-testid=annotation-stage]');
    await expect
      .poll(() => stage.getAttribute('data-tags'))
      .toBe(r.predictions.map((p) => `${(p.score * 100).toFixed(0)}%`).join('|'));
    // Under the pointer, a true positive says so, with its class and score.
    const labels = labelsOf(imageId);
    const drawn: Rect[] = [...labels.filter((b) => r.missedBoxIds.includes(b.id)), ...r.predictions];
    const hit = r.predictions.flatMap((p) => {
      if (p.matchedBoxId === null) return [];
      for (let y = p.y + 5; y < p.y + p.h - 5; y += 3)
        for (let x = p.x + 5; x < p.x + p.w - 5; x += 3) {
          const at = { x, y };
          const over = drawn.filter((b) => contains(b, at, 4));
          if (over.at(-1) === p && !drawn.some((b) => b !== p && nearEdge(b, at, 5))) return [{ p, at }];
        }
      return [];
    })[0]!;
    const v = await stageView(page);
    const pointer = v.toPage(hit.at);
    await page.mouse.move(pointer.x, pointer.y);
    await expect
      .poll(() => page.textContent('[data-testid=box-tip]'))
      .toMatch(new RegExp(`true positive: \\w+ · ${(hit.p.score * 100).toFixed(0)}%`));
    await screenshot(page, 'review-weak-model');
  });

  it('Review: the precision-recall chart names both its axes', async () => {
    expect(await page.textContent('[data-testid=pr-chart] [data-testid=y-label]')).toBe('precision');
    expect(await page.textContent('[data-testid=pr-chart]')).toContain('recall');
  });

  it('Review keeps its score threshold when the user comes back', async () => {
    const slider = page.locator('[data-testid=score-slider]');
    await slider.evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: Event): void };
      input.value = '0.5';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect.poll(() => page.textContent('.slider')).toContain('Score ≥ 0.50');
    await page.click('[data-nav=library]');
    await page.click('[data-nav=review]');
    await expect.poll(() => page.locator('[data-review-image]').count()).toBe(8);
    expect(await slider.inputValue()).toBe('0.5');
    expect(await page.textContent('.slider')).toContain('Score ≥ 0.50');
    const imageId = Number(await page.getAttribute('[data-review-image].on', 'data-review-image'));
    const above = suggestionsOf(imageId).filter((p) => p.score >= 0.5).length;
    await expect
      .poll(
        async () =>
          (await page.getAttribute('[data-testid=annotation-stage]', 'data-tags'))!.split('|').length,
      )
      .toBe(above);
    expect(errors).toEqual([]);
  });
});
