// Where the trainer cannot start probe processes itself (the packaged desktop app), its host probes
// and sends the choice; the trainer waits for it and reports it as its own. The probe children start
// through a launcher, so the host can use another way to start them.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeLauncher } from '../../../src-main/compute/childProbe';
import { chooseCompute } from '../../../src-main/compute/probeCompute';
import { JobHost } from '../../../src-main/training/jobHost';
import { forkTrainer } from '../../../src-main/training/forkTrainer';
import { COMPUTE_FROM_HOST_ENV } from '../../../src-main/training/protocol';
import { builtBundle } from '../../integration/support/bundle';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-probe-launch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('compute probing by the host', () => {
  it('starts the probe children through the launcher it is given', async () => {
    const launched: string[] = [];
    // Like a utility process: the probe's source as a file, forked with an IPC channel.
    const launcher: ProbeLauncher = (script, env) => {
      const file = path.join(tmp, `probe-${launched.length}.cjs`);
      writeFileSync(file, script);
      launched.push(file);
      const child = fork(file, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      return {
        stdout: child.stdout,
        stderr: child.stderr,
        onExit: (listener) => child.on('close', listener),
        onError: (listener) => child.on('error', listener),
        kill: () => child.kill('SIGKILL'),
      };
    };
    const { report } = await chooseCompute({ launcher });
    expect(launched.length).toBeGreaterThanOrEqual(1);
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(report.backend);
  });

  it('the trainer waits for the choice from its host and runs on it', async () => {
    const spawn = forkTrainer(await builtBundle('trainer'), { [COMPUTE_FROM_HOST_ENV]: '1' });
    const host = new JobHost(() => {
      const proc = spawn();
      // A report the trainer could not have made itself: one worker, named by the host.
      proc.send({
        type: 'compute',
        report: {
          backend: 'wasm',
          device: 'CPU, 1 thread (WebAssembly SIMD)',
          usesGpu: false,
          threads: 1,
          skipped: [{ backend: 'tensorflow-gpu', reason: 'probed by the host' }],
          probeMs: 1,
        },
        modulePath: null,
      });
      return proc;
    });
    try {
      const compute = await host.compute();
      expect(compute.threads).toBe(1);
      // The host's refusals come first; the trainer adds its own WebGPU attempt (no GPU here).
      expect(compute.skipped[0]).toEqual({ backend: 'tensorflow-gpu', reason: 'probed by the host' });
      expect(compute.skipped.slice(1).map((s) => s.backend)).toEqual(['webgpu']);
    } finally {
      await host.dispose();
    }
  });
});
