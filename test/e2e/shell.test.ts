import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launchBrowser, screenshot, startServe, watchErrors, type ServeProcess } from './harness';

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

describe('serve mode in Chromium', () => {
  it('loads the app, visits every view and shows system.info in the status bar', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(serve.url);
    // The token moves into a cookie and out of the address bar.
    await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);
    await expect.poll(() => page.textContent('[data-testid=app-version]')).toContain('DW Studio 0.');
    await expect.poll(() => page.textContent('[data-testid=compute-backend]')).toMatch(/^Compute: /);

    for (const view of ['library', 'annotate', 'train', 'review', 'inspect', 'settings']) {
      await page.click(`[data-nav=${view}]`);
      await page.waitForSelector(`main[data-view=${view}]`);
      expect(new URL(page.url()).hash).toBe(`#/${view}`);
    }
    // A reload keeps the view and still authenticates (cookie), though the URL has no token now.
    await page.reload();
    await page.waitForSelector('main[data-view=settings]');
    await expect.poll(() => page.textContent('[data-testid=app-version]')).toContain('DW Studio 0.');

    const info = await page.evaluate(async () => {
      const r = await fetch('/api/system.info', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return (await r.json()) as { ok: boolean; value: { mode: string; cpuCount: number } };
    });
    expect(info.ok).toBe(true);
    expect(info.value.mode).toBe('serve');
    expect(info.value.cpuCount).toBeGreaterThan(0);
    await screenshot(page, 'shell');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a page load, an API call and a socket without the token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(serve.origin + '/');
    expect(response?.status()).toBe(401);
    const body = await response?.text();
    expect(body).not.toContain('<script');
    await page.close();

    const api = await fetch(`${serve.origin}/api/system.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(api.status).toBe(401);
    expect(await api.text()).not.toContain('cpuCount');

    const wrong = await fetch(`${serve.origin}/?token=not-the-token`);
    expect(wrong.status).toBe(401);

    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(serve.origin.replace('http', 'ws') + '/ws');
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', () => resolve('error'));
    });
    expect(refused).toBe('401');
  });
});
