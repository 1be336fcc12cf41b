import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, startServe, watchErrors, type ServeProcess } from './harness';

// The number of compute workers: one per physical core unless Settings says otherwise, and the
// plan says what a run would train on.
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

it('sets the compute workers in Settings, refuses a bad number, and the plan trains on that many threads', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = watchErrors(page);
  await page.goto(serve.url);
  await page.click('[data-testid=open-sample]');
  await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe('8 images');

  await page.click('[data-nav=train]');
  const plan = page.locator('[data-testid=train-plan]');
  // By default: one worker per physical core, as the compute report counts them.
  await expect.poll(() => plan.textContent(), { timeout: 60_000 }).toMatch(/CPU, \d+ threads? \(WebAssembly/);
  const reasons = () => page.locator('.reasons').textContent();
  await expect.poll(reasons).toMatch(/compute workers?, one per physical core/);

  await page.click('[data-nav=settings]');
  const field = page.locator('[data-testid=compute-workers]');
  await field.fill('0');
  await field.dispatchEvent('change');
  await expect
    .poll(() => page.textContent('[data-testid=workers-refused]'))
    .toContain('a whole number from 1 to 64');
  await field.fill('1');
  await field.dispatchEvent('change');
  await expect.poll(() => page.locator('[data-testid=workers-refused]').count()).toBe(0);

  await page.click('[data-nav=train]');
  await expect.poll(() => plan.textContent()).toContain('CPU, 1 thread (WebAssembly');
  await expect.poll(reasons).toContain('1 compute worker (from Settings)');
  expect(errors).toEqual([]);
});
