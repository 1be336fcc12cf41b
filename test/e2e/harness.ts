import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ROOT = path.resolve(__dirname, '../..');
export const ARTIFACTS = path.join(ROOT, 'test-results');

/** Three 640 × 480 photos of the blood-cell fixture, for the tests that draw on them. */
export const CELL_IMAGES = ['BloodImage_00066.jpg', 'BloodImage_00087.jpg', 'BloodImage_00132.jpg'];

/**
 * A fresh folder for a test file: `images/` holding a copy of CELL_IMAGES, and the path of the
 * project to create beside it (cells.dwproj, not made yet).
 */
export function cellsFolder(name: string): { work: string; projectFile: string; imagesDir: string } {
  const work = mkdtempSync(path.join(os.tmpdir(), `dws-e2e-${name}-`));
  const imagesDir = path.join(work, 'images');
  mkdirSync(imagesDir);
  for (const f of CELL_IMAGES)
    cpSync(path.join(ROOT, 'test/fixtures/datasets/bccd/images', f), path.join(imagesDir, f));
  return { work, projectFile: path.join(work, 'cells.dwproj'), imagesDir };
}

export interface ServeProcess {
  url: string;
  origin: string;
  token: string;
  home: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `dw-studio serve --port 0` exactly as a user would, and waits for the printed address. */
export async function startServe(env: Record<string, string> = {}): Promise<ServeProcess> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'dws-e2e-home-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/dw-studio.cjs'), 'serve', '--port', '0'], {
    env: { ...process.env, DW_STUDIO_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    home,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error("Chromium not found: install Debian's chromium or set CHROMIUM_PATH");
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'dws-chromium-'));
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    env: { ...process.env, XDG_CACHE_HOME: profile, XDG_CONFIG_HOME: profile },
  });
}

/** Collects page errors and console errors so a test can assert the app ran clean. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * From the start screen, as a user does it: create a project file, add a folder of images (waiting for
 * `imageCount` of them in the Library) and add the classes, in that order (hotkeys 1, 2, …).
 */
export async function createProjectFromFolder(
  page: Page,
  opts: { projectFile: string; imagesDir: string; imageCount: number; classes: readonly string[] },
): Promise<void> {
  await page.fill('[data-testid=create-project] input', opts.projectFile);
  await page.click('[data-testid=create-project] button');
  await page.waitForSelector('[data-testid=view-library]');
  await page.click('[data-testid=toggle-add]');
  await page.fill('[data-testid=add-folder] input', opts.imagesDir);
  await page.click('[data-testid=add-folder] button');
  await expect.poll(() => page.textContent('[data-testid=image-total]')).toBe(`${opts.imageCount} images`);
  await page.click('[data-testid=toggle-classes]');
  for (const name of opts.classes) {
    await page.fill('[data-testid=new-class-name]', name);
    await page.click('[data-testid=add-class]');
    await page.waitForSelector(`[data-class-row="${name}"]`);
  }
  await page.click('[data-testid=toggle-classes]');
}

/** A serve-mode app with one page open in Chromium (1400 × 900), collecting the page's errors. */
export interface AppSession {
  serve: ServeProcess;
  browser: Browser;
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

export async function openApp(env: Record<string, string> = {}): Promise<AppSession> {
  const serve = await startServe(env);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  return {
    serve,
    browser,
    page,
    errors,
    async close() {
      await browser.close();
      await serve.stop();
    },
  };
}

export type Point = { x: number; y: number };

/**
 * The canvas's view once its image is drawn (screen = image × scale + offset, from the stage's
 * data-transform) and its mapping between image and page pixels; `url`: once it shows that image.
 */
/**
 * A contract method called from the page, as the app calls it over HTTP (the page's cookie carries
 * the launch token); rejects with the server's message when the answer is an error.
 */
export function callFromPage<T>(page: Page, method: string, payload: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([m, p]) => {
      const r = await fetch(`/api/${m}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(p),
      });
      const body = (await r.json()) as { ok: boolean; value: unknown; error?: { message: string } };
      if (!body.ok) throw new Error(body.error!.message);
      return body.value;
    },
    [method, payload] as const,
  ) as Promise<T>;
}

export async function stageView(page: Page, url?: string) {
  const selector = `[data-testid=annotation-stage][data-loaded-url${url ? `="${url}"` : ''}]`;
  await page.waitForSelector(selector);
  const stage = page.locator(selector);
  const [scale, x, y] = (await stage.getAttribute('data-transform'))!.split(' ').map(Number) as [
    number,
    number,
    number,
  ];
  const r = (await stage.boundingBox())!;
  return {
    scale,
    x,
    y,
    toPage: (p: Point): Point => ({ x: r.x + x + p.x * scale, y: r.y + y + p.y * scale }),
    toImage: (p: Point): Point => ({ x: (p.x - r.x - x) / scale, y: (p.y - r.y - y) / scale }),
  };
}

/** A mouse drag as a hand makes it: down, through the middle, up, in small steps. */
export async function dragMouse(
  page: Page,
  from: Point,
  to: Point,
  button: 'left' | 'middle' = 'left',
): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down({ button });
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up({ button });
}
