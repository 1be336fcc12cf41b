import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServices, type Services } from '../../../src-main/services';
import { startServer, type RunningServer } from '../../../src-main/transport/server';

let server: RunningServer;
let services: Services;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-server-'));
const renderer = path.join(dir, 'renderer');

beforeAll(async () => {
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><p>app</p>');
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  services = createServices({ appVersion: '1.2.3', mode: 'serve', userDataDir: dir });
  server = await startServer({ services, rendererDir: renderer, port: 0 });
});
afterAll(() => server.close());

const base = () => `http://127.0.0.1:${server.port}`;
const post = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base()}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

describe('serve-mode server', () => {
  it('listens on loopback and prints a URL with the token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses to bind a non-loopback address', async () => {
    const services = createServices({ appVersion: '1', mode: 'serve', userDataDir: dir });
    await expect(startServer({ services, rendererDir: renderer, host: '0.0.0.0' })).rejects.toThrow(
      /loopback/,
    );
  });

  it('gives 401 and no data without the right token', async () => {
    for (const r of [
      await fetch(`${base()}/`),
      await fetch(`${base()}/index.html`),
      await fetch(`${base()}/?token=${server.token.slice(0, -1)}x`),
      await post('system.info', {}),
      await post('system.info', {}, { Authorization: 'Bearer wrong' }),
    ]) {
      expect(r.status).toBe(401);
      const text = await r.text();
      expect(text).not.toContain('app');
      expect(text).not.toContain('appVersion');
    }
  });

  it('serves the renderer with the token and sets an HttpOnly SameSite cookie', async () => {
    const r = await fetch(server.url);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<p>app</p>');
    expect(r.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base()}/index.html`, { headers: { Cookie: cookie } })).status).toBe(200);
  });

  it('answers API calls with a bearer token and validates payloads', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    const ok = (await (await post('system.info', {}, auth)).json()) as {
      ok: boolean;
      value: { appVersion: string };
    };
    expect(ok).toMatchObject({ ok: true, value: { appVersion: '1.2.3' } });
    const bad = (await (await post('system.info', { x: 1 }, auth)).json()) as { error: { code: string } };
    expect(bad.error.code).toBe('invalid_request');
  });

  it('never serves files outside the renderer folder', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await fetch(`${base()}${p}`, { headers: auth });
      expect(r.status).toBe(404);
    }
  });

  it('rejects a Host header that is not loopback (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/?token=${server.token}`,
          headers: { Host: 'evil.example:80' },
        },
        (res) => resolve(res.statusCode ?? 0),
      ).end();
    });
    expect(status).toBe(401);
  });

  it('accepts a socket with the token and refuses one without it or from another origin', async () => {
    const wsBase = `ws://127.0.0.1:${server.port}/ws`;
    expect(await openSocket(wsBase)).toBe(401);
    expect(await openSocket(`${wsBase}?token=${server.token}`, { Origin: 'http://evil.example' })).toBe(401);
    const ws = await openSocket(`${wsBase}?token=${server.token}`);
    expect(ws).toBeInstanceOf(WebSocket);
    const socket = ws as WebSocket;
    const reply = await new Promise<unknown>((resolve) => {
      socket.on('message', (d) => resolve(JSON.parse(String(d))));
      socket.send(JSON.stringify({ id: 7, method: 'system.info', payload: {} }));
    });
    expect(reply).toMatchObject({ id: 7, result: { ok: true, value: { mode: 'serve' } } });
    socket.close();
  });

  it('serves a project image with its checked type and nosniff, and nothing once the file is another', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    const call = (method: string, body: unknown) =>
      post(method, body, auth).then((r) => r.json() as Promise<{ ok: boolean; value: never }>);
    const images = path.join(dir, 'project', 'images');
    mkdirSync(images, { recursive: true });
    // A JPEG named .png: the type sent is what the content is.
    copyFileSync(
      path.resolve(__dirname, '../../fixtures/datasets/cards/images/IMG_2448.JPG'),
      path.join(images, 'card.png'),
    );
    expect((await call('project.create', { path: path.join(dir, 'project', 'p.dwproj') })).ok).toBe(true);
    expect((await call('images.add', { paths: [images] })).ok).toBe(true);
    const { items } = (await call('images.list', {})).value as { items: { id: number }[] };
    const url = `${base()}/image/image/${items[0]!.id}`;
    const r = await fetch(url, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');

    rmSync(path.join(images, 'card.png'));
    symlinkSync(path.join(dir, 'secret.txt'), path.join(images, 'card.png'));
    const swapped = await fetch(url, { headers: auth });
    expect(swapped.status).toBe(404);
    expect(await swapped.text()).not.toContain('secret');
    await services.handlers['project.close']({}, { transport: 'direct' });
  });
});
