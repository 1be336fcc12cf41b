import type { Session } from 'electron';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../../src-main/services';
import { APP_SCHEME, IMAGE_SCHEME } from '../../../src-main/shared/bridge';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shared/security';
import { createDispatch } from '../../../src-main/transport/dispatch';

// `electron` is a stand-in: `net.fetch` reads file:// URLs from disk (and records them), so the test
// also sees which files a request made the protocol handlers read.
const electron = vi.hoisted(() => {
  const fetched: string[] = [];
  return {
    fetched,
    net: {
      fetch: async (url: string) => {
        fetched.push(url);
        return new Response(await readFile(fileURLToPath(url)), { headers: { 'content-type': 'x/test' } });
      },
    },
    protocol: { registerSchemesAsPrivileged: vi.fn() },
  };
});
vi.mock('electron', () => ({ net: electron.net, protocol: electron.protocol }));
const { handleProtocols, registerSchemes } = await import('../../../src-main/app/protocols');

const CARDS = path.resolve(__dirname, '../../fixtures/datasets/cards/images');
type Handler = (request: Request) => Promise<Response>;

let dir: string;
let rendererDir: string;
let services: Services;
let handlers: Map<string, Handler>;

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await createDispatch(services.handlers)(method, input, { transport: 'direct' });
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
}

const get = (url: string) => handlers.get(new URL(url).protocol.slice(0, -1))!(new Request(url));

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dws-protocols-'));
  rendererDir = path.join(dir, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>DW Studio</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(path.join(dir, 'renderer-private'));
  writeFileSync(path.join(dir, 'renderer-private', 'key.txt'), 'secret');
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');

  services = createServices({
    appVersion: '0.0.0-test',
    mode: 'desktop',
    userDataDir: path.join(dir, 'user'),
  });
  handlers = new Map();
  const session = { protocol: { handle: (scheme: string, h: Handler) => void handlers.set(scheme, h) } };
  handleProtocols(session as unknown as Session, services, rendererDir);
  electron.fetched.length = 0;
});
afterEach(async () => {
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('schemes', () => {
  it('registers app:// and dws-image:// as secure standard schemes, and handles both', () => {
    registerSchemes();
    const schemes = electron.protocol.registerSchemesAsPrivileged.mock.calls[0]![0] as {
      scheme: string;
      privileges: Record<string, boolean>;
    }[];
    expect(schemes.map((s) => s.scheme).sort()).toEqual([APP_SCHEME, IMAGE_SCHEME].sort());
    for (const s of schemes) expect(s.privileges).toMatchObject({ standard: true, secure: true });
    expect(schemes.some((s) => s.privileges.bypassCSP)).toBe(false);
    expect([...handlers.keys()].sort()).toEqual([APP_SCHEME, IMAGE_SCHEME].sort());
  });
});

describe('app://', () => {
  it('serves the renderer build with the Content-Security-Policy and nosniff headers', async () => {
    for (const [url, file] of [
      ['app://renderer/', 'index.html'],
      ['app://renderer/index.html', 'index.html'],
      ['app://renderer/assets/app.js', 'assets/app.js'],
    ] as const) {
      const r = await get(url);
      expect(r.status, url).toBe(200);
      expect(r.headers.get('Content-Security-Policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('X-Content-Type-Options'), url).toBe('nosniff');
      expect(await r.text()).toBe(readFileSync(path.join(rendererDir, file), 'utf8'));
    }
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('serves nothing outside the renderer folder, nor for another host', async () => {
    for (const url of [
      'app://renderer/..%2Fsecret.txt',
      'app://renderer/%2E%2E%2Fsecret.txt',
      'app://renderer/assets/..%2F..%2Fsecret.txt',
      'app://renderer/..%2Frenderer-private%2Fkey.txt',
      `app://renderer/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
      'app://other/index.html',
    ]) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
    }
    expect(electron.fetched).toEqual([]);
  });
});

describe('dws-image://', () => {
  async function projectWithImages() {
    const images = path.join(dir, 'project', 'images');
    mkdirSync(images, { recursive: true });
    for (const f of ['IMG_2448.JPG', 'IMG_2595.JPG']) copyFileSync(path.join(CARDS, f), path.join(images, f));
    await call('project.create', { path: path.join(dir, 'project', 'cards.dwproj') });
    await call('images.add', { paths: [images] });
    await services.idle();
    const page = await call<{ items: { id: number; path: string }[] }>('images.list', {});
    return page.items.map((i) => ({ id: i.id, file: path.join(dir, 'project', i.path) }));
  }

  it('serves an image of the open project, and its thumbnail, by id', async () => {
    const [first] = await projectWithImages();
    const image = await get(`dws-image://image/${first!.id}`);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(readFileSync(first!.file))).toBe(true);
    expect(electron.fetched).toEqual([pathToFileURL(first!.file).toString()]);

    const thumb = await get(`dws-image://thumb/${first!.id}`);
    expect(thumb.status).toBe(200);
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const thumbFile = fileURLToPath(electron.fetched[1]!);
    expect(thumbFile.startsWith(path.join(dir, 'project', 'cards.dwproj-data') + path.sep)).toBe(true);
  });

  it('refuses an id not in the project, a path in the URL, another host, and any image once closed', async () => {
    const images = await projectWithImages();
    const last = Math.max(...images.map((i) => i.id));
    for (const url of [
      `dws-image://image/${last + 1}`,
      'dws-image://image/0',
      'dws-image://image/-1',
      'dws-image://image/1.5',
      `dws-image://image/${encodeURIComponent(images[0]!.file)}`,
      `dws-image://image/..%2F..%2Fsecret.txt`,
      `dws-image://image/${images[0]!.id}/..%2F..%2Fsecret.txt`,
      `dws-image://file/${images[0]!.id}`,
      `dws-image://image/`,
    ]) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
    }
    expect(electron.fetched).toEqual([]);

    await call('project.close', {});
    expect((await get(`dws-image://image/${images[0]!.id}`)).status).toBe(404);
    expect(electron.fetched).toEqual([]);
  });

  it('sends the type the content was checked to be, with nosniff, and nothing once the path leads elsewhere', async () => {
    const [first] = await projectWithImages();
    const r = await get(`dws-image://image/${first!.id}`);
    expect(r.headers.get('Content-Type')).toBe('image/jpeg');
    expect(r.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const thumb = await get(`dws-image://thumb/${first!.id}`);
    expect(thumb.headers.get('Content-Type')).toBe('image/webp');
    expect(thumb.headers.get('X-Content-Type-Options')).toBe('nosniff');

    // The image's path now leads to a text file outside the project (a link named like the image).
    rmSync(first!.file);
    symlinkSync(path.join(dir, 'secret.txt'), first!.file);
    electron.fetched.length = 0;
    expect((await get(`dws-image://image/${first!.id}`)).status).toBe(404);
    expect(electron.fetched).toEqual([]);
  });
});
