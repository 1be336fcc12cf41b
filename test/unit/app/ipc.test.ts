import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../../src-main/services';
import { EVENT_CHANNEL } from '../../../src-main/shared/bridge';
import { METHOD_NAMES, type Handlers } from '../../../src-main/shared/contract';
import type { Envelope } from '../../../src-main/shared/errors';
import { createDispatch } from '../../../src-main/transport/dispatch';
import { registerIpc } from '../../../src-main/transport/ipc';

// window.ts creates BrowserWindows; the sender check under test needs none of that.
vi.mock('electron', () => ({ BrowserWindow: class {}, shell: {} }));
const { trustedSender } = await import('../../../src-main/app/window');

type Invoke = (event: IpcMainInvokeEvent, payload: unknown) => Promise<Envelope<unknown>>;

const appPage = { url: 'app://renderer/index.html' };
const windowContents = { id: 1 };

let dir: string;
let services: Services;
let handlers: Record<string, ReturnType<typeof vi.fn>>;
let channels: Map<string, Invoke>;
let dispose: () => void;
let mainWindow: BrowserWindow | null;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dws-ipc-'));
  services = createServices({
    appVersion: '0.0.0-test',
    mode: 'desktop',
    userDataDir: path.join(dir, 'user'),
  });
  // The real handlers, each behind a spy that tells whether a call reached it.
  handlers = Object.fromEntries(Object.entries(services.handlers).map(([m, f]) => [m, vi.fn(f)]));
  channels = new Map();
  const ipcMain = {
    handle: (channel: string, fn: Invoke) => void channels.set(channel, fn),
    removeHandler: (channel: string) => void channels.delete(channel),
  };
  mainWindow = { webContents: windowContents } as unknown as BrowserWindow;
  dispose = registerIpc(
    ipcMain as never,
    createDispatch(handlers as unknown as Handlers),
    trustedSender(() => mainWindow),
  );
});
afterEach(async () => {
  dispose();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, payload: unknown, from: { sender?: unknown; frame?: unknown } = {}) {
  const event = {
    sender: 'sender' in from ? from.sender : windowContents,
    senderFrame: 'frame' in from ? from.frame : appPage,
  } as unknown as IpcMainInvokeEvent;
  return channels.get(method)!(event, payload);
}

describe('IPC edge', () => {
  it('answers on one channel per contract method, nothing else, and removes them all', () => {
    expect([...channels.keys()].sort()).toEqual([...METHOD_NAMES].sort());
    expect(channels.has(EVENT_CHANNEL)).toBe(false);
    dispose();
    expect(channels.size).toBe(0);
  });

  it('runs a call from the app window and page', async () => {
    const file = path.join(dir, 'ok.dwproj');
    const r = await call('project.create', { path: file, name: 'ok' });
    expect(r).toMatchObject({ ok: true, value: { name: 'ok' } });
    expect(handlers['project.create']).toHaveBeenCalledTimes(1);
    expect(existsSync(file)).toBe(true);
  });

  it.each([
    ['another webContents', { sender: { id: 2 } }],
    ['a page of another origin', { frame: { url: 'https://example.com/index.html' } }],
    ['a look-alike host', { frame: { url: 'app://renderer.example.com/index.html' } }],
    ['a file page', { frame: { url: 'file:///app/dist/renderer/index.html' } }],
    ['a frame already gone', { frame: null }],
  ])('refuses %s as unauthorized, without reaching the handler', async (_what, from) => {
    const file = path.join(dir, 'evil.dwproj');
    const r = await call('project.create', { path: file }, from);
    expect(r).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.any(String) } });
    expect(handlers['project.create']).not.toHaveBeenCalled();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses every call while there is no window', async () => {
    mainWindow = null;
    const r = await call('settings.get', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(handlers['settings.get']).not.toHaveBeenCalled();
  });

  it.each([
    ['an empty path', { path: '' }],
    ['an unknown field', { path: '/tmp/x.dwproj', extra: true }],
    ['a wrong type', { path: 42 }],
    ['not an object', 'project.dwproj'],
  ])('rejects an invalid payload (%s) from the app as invalid_request', async (_what, payload) => {
    const r = await call('project.create', payload);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect((r as { error: { message: string } }).error.message).toContain('project.create');
    expect(handlers['project.create']).not.toHaveBeenCalled();
  });
});
