import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import { CPU_PACKAGE, GPU_PACKAGE } from '../../../src-main/compute/backendChain';
import { resolvePackage } from '../../../src-main/compute/childProbe';
import type { ComputeReport } from '../../../src-main/shared/api/system';

const nativeInstalled = [GPU_PACKAGE, CPU_PACKAGE].some((p) => resolvePackage(p) !== null);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dws-system-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("'system.info' compute report", () => {
  it('probes this machine and reports the backend training would use, with the ones it skipped', async () => {
    const services = createServices({ appVersion: '1', mode: 'serve', userDataDir: dir });
    const info = await services.handlers['system.info']({}, { transport: 'direct' });
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    const chosen = order.indexOf(info.compute!.backend);
    expect(chosen).toBeGreaterThanOrEqual(0);
    // Every better backend is listed as skipped, with its reason; none after the chosen one.
    expect(info.compute!.skipped.map((s) => s.backend)).toEqual(order.slice(0, chosen));
    expect(info.compute!.skipped.every((s) => s.reason.length > 0)).toBe(true);
    if (nativeInstalled) return;
    expect(info.compute!.backend).toBe('wasm');
  });

  it('caches the probe and retries one that failed', async () => {
    let calls = 0;
    const report: ComputeReport = {
      backend: 'cpu',
      device: 'CPU',
      usesGpu: false,
      threads: 1,
      skipped: [],
      probeMs: 1,
    };
    const services = createServices({
      appVersion: '1',
      mode: 'serve',
      userDataDir: dir,
      probeCompute: async () => {
        calls++;
        if (calls === 1) throw new Error('spawn EAGAIN');
        return report;
      },
    });
    const info = () => services.handlers['system.info']({}, { transport: 'direct' });
    expect((await info()).compute).toBeNull();
    expect((await info()).compute).toEqual(report);
    expect((await info()).compute).toEqual(report);
    expect(calls).toBe(2);
  });
});
