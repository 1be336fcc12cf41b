import { describe, expect, it } from 'vitest';
import type { DesktopBridge } from '../../../src-main/shared/bridge';
import { ApiError } from '../../../src-renderer/lib/api/client';
import { createIpcClient } from '../../../src-renderer/lib/api/ipcClient';

function fakeBridge(reply: unknown): { bridge: DesktopBridge; calls: unknown[] } {
  const calls: unknown[] = [];
  const invoke = new Proxy(
    {},
    { get: (_t, m) => (input: unknown) => (calls.push([m, input]), Promise.resolve(reply)) },
  );
  return { bridge: { invoke: invoke as DesktopBridge['invoke'], on: () => () => {} }, calls };
}

describe('renderer API client (IPC transport)', () => {
  it('unwraps a successful envelope and passes the input through by method name', async () => {
    const { bridge, calls } = fakeBridge({ ok: true, value: { appVersion: '1' } });
    const client = createIpcClient(bridge);
    const info = await client.call('system.info');
    expect(info.appVersion).toBe('1');
    expect(calls).toEqual([['system.info', undefined]]);
  });

  it('throws an ApiError carrying the code of a failed envelope', async () => {
    const { bridge } = fakeBridge({
      ok: false,
      error: { code: 'no_project', message: 'Open a project first' },
    });
    const err = await createIpcClient(bridge)
      .call('system.info')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('no_project');
  });

  it('makes a wrongly typed call a compile error', () => {
    const client = createIpcClient(fakeBridge(null).bridge);
    const typed = () => {
      // Checked by svelte-check/tsc: each @ts-expect-error must be an error.
      // @ts-expect-error -- unknown method
      void client.call('system.nope');
      // @ts-expect-error -- system.info takes no fields
      void client.call('system.info', { verbose: true });
    };
    expect(typeof typed).toBe('function');
  });

  it('builds image URLs on the dws-image scheme', () => {
    const client = createIpcClient(fakeBridge(null).bridge);
    expect(client.imageUrl('thumb', 12, 3)).toBe('dws-image://thumb/12?v=3');
  });
});
