import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import type { ComputeReport } from '../../../src-main/shared/api/system';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dws-system-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("'system.info' compute report", () => {
  it('probes this machine once and reports the WebAssembly backend', async () => {
    const services = createServices({ appVersion: '1', mode: 'serve', userDataDir: dir });
    const info = await services.handlers['system.info']({}, { transport: 'direct' });
    expect(info.compute?.backend).toBe('wasm');
    expect(info.compute?.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
  });

  it('caches the probe and retries one that failed', async () => {
    let calls = 0;
    const report: ComputeReport = { backend: 'cpu', device: 'CPU', usesGpu: false, skipped: [], probeMs: 1 };
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
