import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, startServe, watchErrors, type ServeProcess } from './harness';

let serve: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  serve = await startServe();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

it('opens the bundled sample project from the start screen, and again from the recent list', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = watchErrors(page);
  await page.goto(serve.url);
  await page.click('[data-testid=open-sample]');
  await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');
  await page.click('[data-testid=toggle-classes]');
  await expect.poll(() => page.locator('[data-class-row]').count()).toBe(3);
  await page.click('[data-testid=close-project]');
  await page.waitForSelector('[data-testid=recent-projects]');
  expect(await page.textContent('[data-testid=recent-projects]')).toContain('Blood cells (sample)');
  // A second "Try the sample" opens the same project; it is not copied again.
  await page.click('[data-testid=open-sample]');
  await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');
  expect(errors).toEqual([]);
});
