import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';

// `electron` is a recording stand-in: a BrowserWindow whose webContents keeps the handlers it is given.
const electron = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => unknown;
  class FakeWebContents {
    handlers = new Map<string, Handler>();
    windowOpenHandler: Handler | null = null;
    on(name: string, h: Handler) {
      this.handlers.set(name, h);
      return this;
    }
    setWindowOpenHandler(h: Handler) {
      this.windowOpenHandler = h;
    }
    /** Emits `name` with a cancellable event; true when a handler prevented the default. */
    emit(name: string, ...args: unknown[]): boolean {
      let prevented = false;
      this.handlers.get(name)?.({ preventDefault: () => (prevented = true) }, ...args);
      return prevented;
    }
  }
  const created: FakeWindow[] = [];
  class FakeWindow {
    webContents = new FakeWebContents();
    loaded: string[] = [];
    constructor(readonly options: unknown) {
      created.push(this);
    }
    once() {}
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
  }
  return { FakeWindow, created, shell: { openExternal: vi.fn(() => Promise.resolve()) } };
});
vi.mock('electron', () => ({ BrowserWindow: electron.FakeWindow, shell: electron.shell }));

const { createMainWindow, RENDERER_ORIGIN } = await import('../../../src-main/app/window');

function open() {
  createMainWindow('/app/dist/main/preload.cjs');
  const win = electron.created.at(-1)!;
  return { win, wc: win.webContents, options: win.options as BrowserWindowConstructorOptions };
}

describe('main window', () => {
  it('is isolated and sandboxed, without Node, with the preload, and loads the renderer origin', () => {
    const { win, options } = open();
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(options.webPreferences?.nodeIntegrationInSubFrames).not.toBe(true);
    expect(options.webPreferences?.nodeIntegrationInWorker).not.toBe(true);
    expect(RENDERER_ORIGIN).toBe('app://renderer');
    expect(win.loaded).toEqual(['app://renderer/index.html']);
  });

  it('allows navigation within the renderer origin only', () => {
    const { wc } = open();
    expect(wc.emit('will-navigate', 'app://renderer/index.html#/annotate')).toBe(false);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8765/',
      'file:///etc/passwd',
      'app://renderer.evil.com/index.html',
      'app://other/index.html',
      'dws-image://image/1',
      'javascript:alert(1)',
    ]) {
      expect(wc.emit('will-navigate', url), url).toBe(true);
    }
    expect(wc.emit('will-redirect', 'https://example.com/')).toBe(true);
    expect(wc.emit('will-attach-webview', {}, {})).toBe(true);
  });

  it('denies every window.open; only http(s) links go to the user browser', () => {
    const { wc } = open();
    const handler = wc.windowOpenHandler!;
    expect(handler).toBeTypeOf('function');
    expect(handler({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://github.com/');
    electron.shell.openExternal.mockClear();
    for (const url of [
      'app://renderer/index.html',
      'file:///etc/passwd',
      'smb://host/share',
      'about:blank',
    ]) {
      expect(handler({ url }), url).toEqual({ action: 'deny' });
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });
});
