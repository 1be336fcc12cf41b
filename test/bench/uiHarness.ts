// The pieces bench:ui drives: `dw-studio serve` as a user starts it, Debian's Chromium with the browser
// tests' flags, and the serve-mode HTTP API (POST /api/<method>, the launch token as a Bearer header).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { MethodInput, MethodName, MethodOutput } from '../../src-main/shared/contract';

// The bundle runs from node_modules/.cache/dw-studio-bench (scripts/bench.mjs).
export const ROOT = path.resolve(__dirname, '../../..');

/** Temporary folders and child processes, removed and stopped however the bench ends. */
export class Cleanup {
  readonly #dirs: string[] = [];
  readonly #children = new Set<ChildProcess>();
  readonly #browsers = new Set<Browser>();

  constructor() {
    const hard = () => this.#sync();
    process.once('exit', hard);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        hard();
        process.exit(130);
      });
    }
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  child(c: ChildProcess): void {
    this.#children.add(c);
    c.once('exit', () => this.#children.delete(c));
  }

  browser(b: Browser): void {
    this.#browsers.add(b);
    b.once('disconnected', () => this.#browsers.delete(b));
  }

  async run(): Promise<void> {
    await Promise.all([...this.#browsers].map((b) => b.close().catch(() => {})));
    await Promise.all([...this.#children].map((c) => stopChild(c)));
    this.#sync();
  }

  #sync(): void {
    for (const c of this.#children) c.kill('SIGKILL');
    for (const d of this.#dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface Serve {
  url: string;
  origin: string;
  token: string;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
}

/**
 * `dw-studio serve --port 0`, as a user starts it; resolves with the printed address. `root` is the
 * checkout whose build runs (another one's, to compare two builds).
 */
export async function startServe(cleanup: Cleanup, root = ROOT): Promise<Serve> {
  const home = cleanup.tempDir('dws-bench-ui-home-');
  const child = spawn(process.execPath, [path.join(root, 'bin/dw-studio.cjs'), 'serve', '--port', '0'], {
    env: { ...process.env, DW_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.child(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  return {
    url,
    origin: parsed.origin,
    token,
    async call(method, input) {
      const res = await fetch(`${parsed.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(input),
      });
      const envelope = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
      if (!envelope.ok) throw new Error(`${method}: ${envelope.error?.message ?? res.status}`);
      return envelope.value as MethodOutput<typeof method>;
    },
  };
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error("Chromium not found: install Debian's chromium or set CHROMIUM_PATH");
  return found;
}

/**
 * Headless Chromium with the browser tests' flags (test/e2e/harness.ts). `unthrottled` adds
 * --disable-gpu-vsync and --disable-frame-rate-limit: frames then start as soon as the previous one
 * is done, so a frame interval is the frame's own cost rather than a multiple of the 60 Hz clock.
 */
export async function launchBrowser(cleanup: Cleanup, unthrottled = false): Promise<Browser> {
  const profile = cleanup.tempDir('dws-bench-chromium-');
  const browser = await chromium.launch({
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
      ...(unthrottled ? ['--disable-gpu-vsync', '--disable-frame-rate-limit'] : []),
    ],
    env: { ...process.env, XDG_CACHE_HOME: profile, XDG_CONFIG_HOME: profile },
  });
  cleanup.browser(browser);
  return browser;
}
