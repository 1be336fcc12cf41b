import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  serveFiles,
  sha256 as hashOf,
  testWeights,
  writeCatalog,
  type FileServer,
} from '../integration/support/testWeights';
import { launchBrowser, screenshot, startServe, watchErrors, type ServeProcess } from './harness';

// ImageNet weights in the app: the Train plan says it starts from them and that they download first;
// Settings lists each file with its source, licence and hash, downloads it with a progress bar, and
// refuses a wrong file with both hashes; About names the source and licence. A server on 127.0.0.1
// stands in for download.pytorch.org, serving a small PyTorch file.
const FIXTURE = path.resolve(__dirname, '../fixtures/weights/tiny-zip.pth');
let serve: ServeProcess;
let browser: Browser;
let server: FileServer;
let tmp = '';
let sha256 = '';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-weights-'));
  const bytes = readFileSync(FIXTURE);
  sha256 = hashOf(bytes);
  server = await serveFiles(new Map([['/mnv2-test.pth', bytes]]));
  const entry = testWeights('mobilenet_v2-test', bytes, {
    preset: 'mobilenet_v2',
    title: 'MobileNetV2 (test weights)',
    fileName: 'mnv2-test.pth',
    url: 'https://download.pytorch.org/models/mnv2-test.pth',
    source: 'torchvision (pytorch/vision), test file',
  });
  serve = await startServe({
    DW_STUDIO_WEIGHTS_CATALOG: writeCatalog(tmp, [entry]),
    DW_STUDIO_WEIGHTS_MIRROR: server.base,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

it('plans from ImageNet weights, lists and downloads them in Settings, and refuses a wrong file', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(serve.url);
  await page.click('[data-testid=open-sample]');
  await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');

  await page.click('[data-nav=train]');
  const reasons = () => page.locator('.reasons').textContent();
  await expect
    .poll(reasons, { timeout: 60_000 })
    .toContain('Starts from the MobileNetV2 (test weights) weights');
  expect(await reasons()).toContain('downloaded first');
  expect(await page.textContent('[data-plan=preset]')).toBe('mobilenet_v2');
  expect(await page.textContent('[data-plan=weights]')).toContain('from ImageNet weights (mobilenet_v2-test');

  await page.click('[data-nav=settings]');
  const row = page.locator('[data-weights=mobilenet_v2-test]');
  await expect.poll(() => row.textContent()).toContain('Not downloaded');
  expect(await row.textContent()).toContain('BSD-3-Clause');
  expect(await row.textContent()).toContain(sha256);
  expect(await page.textContent('[data-testid=about]')).toContain('BSD-3-Clause');

  // A file that is not the published one: refused, with the expected and the actual SHA-256.
  const wrong = path.join(tmp, 'wrong.pth');
  writeFileSync(wrong, 'not the weights');
  const wrongHash = hashOf(Buffer.from('not the weights'));
  await page.fill('[data-testid=weights-import] input', wrong);
  await page.click('[data-testid=weights-import] button');
  await expect.poll(() => page.textContent('[data-testid=weights-problem]')).toContain(wrongHash);
  expect(await page.textContent('[data-testid=weights-problem]')).toContain(sha256);
  await page.locator('[data-testid=weights-problem]').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-weights-refused');

  await row.locator('button', { hasText: 'Download' }).click();
  await expect.poll(() => row.locator('[data-testid=weights-state]').textContent()).toContain('Downloaded');
  // The refusal is gone once the download is asked for; the row says the file is here.
  expect(await page.locator('[data-testid=weights-problem]').count()).toBe(0);

  await page.click('[data-nav=train]');
  await expect.poll(reasons).toContain('already in the weights folder');
  expect(errors).toEqual([]);
});
