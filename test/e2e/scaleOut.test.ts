import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigs } from '../unit/formats/mmcvConfig';
import { type AppSession, openApp, ROOT, screenshot } from './harness';

// Beyond one workstation, in Chromium against serve mode: the project exported for the official DW
// code from the Library, and a COCO results file (as that code's test script writes one) brought
// back in Review as a model, scored and suggested like one trained here.

let app: AppSession;
let page: Page;
const work = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-scale-'));
const projectFile = path.join(work, 'cards.dwproj');
const gtFile = path.join(work, 'cards', 'annotations.json');

beforeAll(async () => {
  cpSync(path.join(ROOT, 'test/fixtures/datasets/cards'), path.join(work, 'cards'), { recursive: true });
  app = await openApp();
  page = app.page;
});
afterAll(() => app?.close());

describe('scale out in Chromium', () => {
  it('exports the project for the official DW code, with the run chosen in the export panel', async () => {
    await page.goto(app.serve.url);
    await page.fill('[data-testid=create-project] input', projectFile);
    await page.click('[data-testid=create-project] button');
    await page.waitForSelector('[data-testid=view-library]');
    await page.click('[data-testid=toggle-import]');
    await page.selectOption('[data-testid=dataset-format]', 'coco');
    await page.fill('[data-testid=import-path] input', gtFile);
    await page.click('[data-testid=import-path] button');
    await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');

    const out = path.join(work, 'cluster');
    await page.click('[data-testid=toggle-export]');
    await page.selectOption('[data-testid=export-format]', 'mmdet-dw');
    await page.fill('[data-testid=mmdet-gpus]', '4');
    await page.fill('[data-testid=mmdet-epochs]', '24');
    await page.uncheck('[data-testid=mmdet-refine]');
    await page.fill('[data-testid=export-path] input', out);
    await page.click('[data-testid=export-path] button');
    const config = path.join(out, 'dw_r50_fpn_worefine_2x_cards.py');
    await expect
      .poll(() => page.textContent('[data-testid=library-notice]'))
      .toContain(`Exported 8 images and 20 boxes to ${out}`);
    expect(await page.textContent('[data-testid=library-notice-details]')).toContain(`Config: ${config}`);
    const read = readConfigs({ config, dirname: out }).config!;
    expect(read['model.bbox_head.reg_refine']).toEqual(['bool', false]);
    expect(read['model.bbox_head.num_classes']).toEqual(['int', 6]);
    expect(read['optimizer.lr']).toEqual(['float', 0.005]);
    expect(read['runner.max_epochs']).toEqual(['int', 24]);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toContain(
      'bash dist_train.sh $EXPORT/dw_r50_fpn_worefine_2x_cards.py 4',
    );
  });

  it('imports a results file in Review: matched by file name, scored, and suggested in Annotate', async () => {
    // The labels as detections, in the ids of the dataset's own COCO file.
    const gt = JSON.parse(readFileSync(gtFile, 'utf8')) as {
      annotations: { image_id: number; category_id: number; bbox: number[] }[];
    };
    const results = path.join(work, 'val.bbox.json');
    writeFileSync(
      results,
      JSON.stringify(
        gt.annotations.map((a) => ({
          image_id: a.image_id,
          category_id: a.category_id,
          bbox: a.bbox,
          score: 0.9,
        })),
      ),
    );
    await page.click('[data-nav=review]');
    await page.click('[data-testid=toggle-import-results]');
    await page.fill('[data-testid=results-path]', results);
    await page.fill('[data-testid=results-images]', gtFile);
    await page.fill('[data-testid=results-name]', 'cluster R50');
    await page.click('[data-testid=import-results] button[type=submit]');
    await expect
      .poll(() => page.textContent('[data-testid=review-notice]'))
      .toContain('Imported 20 detections as cluster R50: 8 of 8 images matched');
    await expect.poll(() => page.inputValue('[data-testid=review-model]')).toBe('1');
    await expect.poll(() => page.textContent('[data-testid=review-ap]')).toBe('100.0');
    await expect.poll(() => page.locator('[data-testid=review-images] li button').count()).toBe(8);
    // It has no network: nothing to predict with, nothing to export.
    expect(await page.isDisabled('[data-testid=run-predict]')).toBe(true);
    expect(await page.isDisabled('[data-testid=toggle-export-model]')).toBe(true);
    await screenshot(page, 'review-imported');

    await page.click('[data-nav=library]');
    await page.dblclick('[data-image-id]');
    await page.waitForSelector('[data-testid=view-annotate]');
    await expect.poll(() => page.inputValue('[data-testid=suggestion-model]')).toBe('1');
    await expect.poll(() => page.locator('[data-suggestion-id]').count()).toBeGreaterThan(0);
    expect(app.errors).toEqual([]);
  });
});
