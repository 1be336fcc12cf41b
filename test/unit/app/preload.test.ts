import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL, type DesktopBridge } from '../../../src-main/shared/bridge';
import { EVENT_NAMES, METHOD_NAMES } from '../../../src-main/shared/contract';

// The preload runs in Electron's sandboxed renderer; here `electron` is a recording stand-in.
const electron = vi.hoisted(() => {
  type Listener = (event: unknown, msg: unknown) => void;
  const listeners = new Set<Listener>();
  const ipcRenderer = {
    invoke: vi.fn((_channel: string, _input: unknown) => Promise.resolve({ ok: true, value: null })),
    send: vi.fn(),
    sendSync: vi.fn(),
    on: vi.fn((_channel: string, l: Listener) => listeners.add(l)),
    removeListener: vi.fn((_channel: string, l: Listener) => listeners.delete(l)),
  };
  const exposed: { key: string; api: unknown }[] = [];
  const contextBridge = {
    exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.push({ key, api })),
  };
  const emit = (msg: unknown) => listeners.forEach((l) => l({ sender: 'ipc-event' }, msg));
  return { ipcRenderer, contextBridge, exposed, listeners, emit };
});
vi.mock('electron', () => ({ ipcRenderer: electron.ipcRenderer, contextBridge: electron.contextBridge }));

let bridge: DesktopBridge;
beforeAll(async () => {
  await import('../../../src-main/app/preload');
  bridge = electron.exposed[0]!.api as DesktopBridge;
});

/** Every value reachable from `root` (own properties, functions included). */
function reachable(root: unknown): unknown[] {
  const seen = new Set<unknown>();
  const visit = (v: unknown) => {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) return;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) visit(d.value);
    }
  };
  visit(root);
  return [...seen];
}

describe('preload', () => {
  it('exposes one object, window.dwStudio, with only invoke and on', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(electron.exposed[0]!.key).toBe('dwStudio');
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
  });

  it("offers exactly the contract's method names, each a function", () => {
    expect(Object.keys(bridge.invoke).sort()).toEqual([...METHOD_NAMES].sort());
    for (const m of METHOD_NAMES) expect(typeof bridge.invoke[m]).toBe('function');
  });

  it('never exposes ipcRenderer or any of its methods', () => {
    const values = reachable(bridge);
    expect(values).not.toContain(electron.ipcRenderer);
    for (const fn of Object.values(electron.ipcRenderer)) expect(values).not.toContain(fn);
  });

  it("sends a method's call on the method's own channel only", async () => {
    const input = { path: '/tmp/x.dwproj' };
    await expect(bridge.invoke['project.open'](input)).resolves.toEqual({ ok: true, value: null });
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('project.open', input);
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled();
    expect(electron.ipcRenderer.sendSync).not.toHaveBeenCalled();
  });

  it('subscribes to contract events only, hands the listener the payload alone, and unsubscribes', () => {
    expect(() => bridge.on('not.an.event' as never, () => {})).toThrow('Unknown event');
    expect(electron.ipcRenderer.on).not.toHaveBeenCalled();

    const [event, other] = EVENT_NAMES as [(typeof EVENT_NAMES)[number], (typeof EVENT_NAMES)[number]];
    const got: unknown[] = [];
    const off = bridge.on(event, (payload) => got.push(payload));
    expect(electron.ipcRenderer.on).toHaveBeenCalledWith(EVENT_CHANNEL, expect.any(Function));
    electron.emit({ event, payload: { n: 1 } });
    electron.emit({ event: other, payload: { n: 2 } });
    expect(got).toEqual([{ n: 1 }]);

    off();
    expect(electron.listeners.size).toBe(0);
    electron.emit({ event, payload: { n: 3 } });
    expect(got).toEqual([{ n: 1 }]);
  });
});
