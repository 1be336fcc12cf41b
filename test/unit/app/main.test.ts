import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shared/security';

// The desktop composition root (app/main.ts) started against a recording stand-in of `electron`: what
// it sets up on the app and its session is what the desktop app runs with.
const electron = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => unknown;
  /** Enough of an event emitter (this runs before any import). */
  class EventEmitter {
    readonly listeners = new Map<string, Handler[]>();
    on(name: string, h: Handler) {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), h]);
      return this;
    }
    once(name: string, h: Handler) {
      return this.on(name, h);
    }
    emit(name: string, ...args: unknown[]) {
      for (const h of this.listeners.get(name) ?? []) h(...args);
      return true;
    }
  }
  class FakeWebContents extends EventEmitter {
    windowOpenHandler: Handler | null = null;
    setWindowOpenHandler(h: Handler) {
      this.windowOpenHandler = h;
    }
    /** Emits `name` with a cancellable event; true when a listener prevented the default. */
    cancellable(name: string, ...args: unknown[]): boolean {
      let prevented = false;
      this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
      return prevented;
    }
    send() {}
    isDestroyed() {
      return false;
    }
  }
  class FakeWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loadURL() {
      return Promise.resolve();
    }
  }
  const session = {
    requestHandler: null as Handler | null,
    checkHandler: null as Handler | null,
    deviceHandler: null as Handler | null,
    headersHandler: null as Handler | null,
    protocols: [] as string[],
    setPermissionRequestHandler(h: Handler) {
      this.requestHandler = h;
    },
    setPermissionCheckHandler(h: Handler) {
      this.checkHandler = h;
    },
    setDevicePermissionHandler(h: Handler) {
      this.deviceHandler = h;
    },
    webRequest: {
      onHeadersReceived: (h: Handler) => void (session.headersHandler = h),
    },
    protocol: { handle: (scheme: string) => void session.protocols.push(scheme) },
  };
  const app = Object.assign(new EventEmitter(), {
    userData: '',
    enableSandbox: () => {},
    requestSingleInstanceLock: () => true,
    quit: () => {},
    getVersion: () => '0.0.0-test',
    getPath: () => app.userData,
    getAppPath: () => '/app',
    isPackaged: false,
    commandLine: { getSwitchValue: () => '', appendSwitch: () => {} },
    ready: null as Promise<void> | null,
    whenReady() {
      return (app.ready ??= Promise.resolve());
    },
  });
  return {
    app,
    session,
    FakeWebContents,
    FakeWindow,
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
  };
});
vi.mock('electron', () => ({
  app: electron.app,
  session: { defaultSession: electron.session },
  BrowserWindow: electron.FakeWindow,
  shell: electron.shell,
  ipcMain: { handle: () => {}, removeHandler: () => {} },
  Menu: { setApplicationMenu: () => {}, buildFromTemplate: () => ({}) },
  protocol: { registerSchemesAsPrivileged: () => {} },
  net: { fetch: () => Promise.reject(new Error('not in this test')) },
  dialog: {},
  utilityProcess: { fork: () => ({}) },
}));

const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-main-'));

beforeAll(async () => {
  electron.app.userData = path.join(dir, 'user');
  await import('../../../src-main/app/main');
  await electron.app.whenReady();
  await new Promise((resolve) => setImmediate(resolve));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the desktop app', () => {
  it('denies every permission request and check (camera, location, notifications, devices, …)', () => {
    const { requestHandler, checkHandler, deviceHandler } = electron.session;
    expect(requestHandler).toBeTypeOf('function');
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'fullscreen',
      'hid',
    ]) {
      const answer = vi.fn();
      requestHandler!(new electron.FakeWebContents(), permission, answer, {});
      expect(answer, permission).toHaveBeenCalledExactlyOnceWith(false);
      expect(checkHandler!(null, permission, 'app://renderer', {}), permission).toBe(false);
    }
    expect(deviceHandler!({ deviceType: 'usb', origin: 'app://renderer' })).toBe(false);
  });

  it('locks down every web contents created, not only the main window', () => {
    const wc = new electron.FakeWebContents();
    electron.app.emit('web-contents-created', {}, wc);
    expect(wc.cancellable('will-navigate', 'https://example.com/')).toBe(true);
    expect(wc.cancellable('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(wc.cancellable('will-navigate', 'app://renderer/index.html#/train')).toBe(false);
    expect(wc.cancellable('will-redirect', 'https://example.com/')).toBe(true);
    expect(wc.cancellable('will-attach-webview', {}, {})).toBe(true);
    expect(wc.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://github.com/');
  });

  it('sets the Content-Security-Policy and nosniff on every response of the session', () => {
    const handler = electron.session.headersHandler!;
    expect(handler).toBeTypeOf('function');
    for (const [url, headers] of [
      ['https://example.com/', { 'content-security-policy': ["default-src *; script-src 'unsafe-eval'"] }],
      ['file:///app/dist/renderer/index.html', {}],
      [
        'devtools://devtools/bundled/inspector.html',
        { 'X-Content-Type-Options': ['sniff'], 'X-Other': ['1'] },
      ],
    ] as const) {
      const callback = vi.fn();
      handler({ url, responseHeaders: headers }, callback);
      const sent = (callback.mock.calls[0]![0] as { responseHeaders: Record<string, string[]> })
        .responseHeaders;
      const csp = Object.keys(sent).filter((k) => k.toLowerCase() === 'content-security-policy');
      expect(csp, url).toEqual(['Content-Security-Policy']);
      expect(sent['Content-Security-Policy'], url).toEqual([CONTENT_SECURITY_POLICY]);
      expect(sent['X-Content-Type-Options'], url).toEqual(['nosniff']);
    }
    expect(electron.session.protocols.sort()).toEqual(['app', 'dws-image']);
  });
});
