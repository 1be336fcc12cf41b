// The backend order with real child processes: the native packages are absent here (as on a
// machine where their libtensorflow download failed), and stand-in modules play the other cases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CPU_PACKAGE,
  GPU_PACKAGE,
  NOT_INSTALLED,
  runBackendChain,
  type ChainProbes,
  type NativePackage,
} from '../../../src-main/compute/backendChain';
import { resolvePackage, runChildProbe } from '../../../src-main/compute/childProbe';
import { parseTfLog } from '../../../src-main/compute/cudaLibraries';
import { physicalCores } from '../../../src-main/compute/cores';
import { probeCompute, realProbes } from '../../../src-main/compute/probeCompute';

const TF_NO_CUDA11 =
  "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\\n" +
  "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file\\n" +
  'W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Skipping registering GPU devices...\\n';
const TF_GPU =
  'I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 22000 MB memory:  -> device: 0, name: NVIDIA RTX A5000, pci bus id: 0000:65:00.0, compute capability: 8.6\\n';

// Stand-ins for tfjs-node(-gpu): the same surface the probe uses, and TensorFlow's stderr.
const fake = (stderr: string, usesGpu: boolean) => `
process.stderr.write(${JSON.stringify(stderr)}.replace(/\\\\n/g, '\\n'));
const t = { data: async () => new Float32Array(1) };
module.exports = { ready: async () => {}, ones: () => t, matMul: () => t, getBackend: () => 'tensorflow',
  backend: () => ({ isUsingGpuDevice: ${usesGpu} }) };`;
const MODULES = {
  noCuda11: fake(TF_NO_CUDA11, false),
  gpu: fake(TF_GPU, true),
  noAddon: `throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node.');`,
  crash: `process.stderr.write('F tensorflow/core/platform/default/env.cc:73] Check failed: ret == 0 (11 vs. 0)\\n'); process.kill(process.pid, 'SIGKILL');`,
  hang: `setInterval(() => {}, 1000); module.exports = { ready: () => new Promise(() => {}) };`,
};
type Fake = keyof typeof MODULES;

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dws-compute-'));
  for (const [name, src] of Object.entries(MODULES)) fs.writeFileSync(path.join(dir, `${name}.cjs`), src);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Real probes, except that each native package is played by a stand-in module (or absent). */
function probes(packages: Partial<Record<NativePackage, Fake>>, timeoutMs = 20_000): ChainProbes {
  const real = realProbes();
  return {
    ...real,
    async native(pkg) {
      const name = packages[pkg];
      if (!name) return { installed: false };
      const modulePath = path.join(dir, `${name}.cjs`);
      return {
        installed: true,
        modulePath,
        child: await runChildProbe({ kind: 'native', module: modulePath }, { timeoutMs }),
      };
    },
    // The file search is covered in gpuAdvice.test.ts; here only TensorFlow's log speaks.
    gpuEvidence: async (stderr) => ({
      platform: 'linux',
      log: parseTfLog(stderr),
      libraries: null,
      newer: [],
      driverPresent: true,
    }),
  };
}

const NATIVE = [
  { pkg: GPU_PACKAGE, backend: 'tensorflow-gpu' },
  { pkg: CPU_PACKAGE, backend: 'tensorflow' },
] as const;

describe('compute backend chain', () => {
  it('on this machine: training runs on the best backend that loads, and each absent package says so', async () => {
    expect(resolvePackage('@tensorflow/tfjs-backend-wasm')).not.toBeNull();
    const report = await probeCompute();
    const absent = NATIVE.filter((n) => resolvePackage(n.pkg) === null);
    for (const n of absent) {
      expect(report.skipped).toContainEqual(
        expect.objectContaining({ backend: n.backend, reason: NOT_INSTALLED }),
      );
    }
    expect(report.probeMs).toBeGreaterThan(0);
    if (absent.length < NATIVE.length) {
      // A machine where libtensorflow installed: a native backend runs, or says why it could not.
      const natives = NATIVE.map((n) => n.backend as string);
      if (!natives.includes(report.backend)) {
        expect(report.skipped.filter((s) => natives.includes(s.backend))).toHaveLength(2);
      }
      return;
    }
    // Both native packages absent (their download failed, as on the build machines): wasm with our kernels.
    expect(report.backend).toBe('wasm');
    expect(report.usesGpu).toBe(false);
    // One worker per physical core, each its own WebAssembly thread.
    expect(report.threads).toBe(physicalCores());
    expect(report.device).toMatch(new RegExp(`^CPU, ${report.threads} threads? \\(WebAssembly( SIMD)?\\)$`));
    expect(report.skipped.map((s) => [s.backend, s.reason])).toEqual([
      ['tensorflow-gpu', NOT_INSTALLED],
      ['tensorflow', NOT_INSTALLED],
    ]);
    expect(report.skipped[0]!.fix).toContain(`npm install ${GPU_PACKAGE}`);
  });

  it('uses the GPU and names it when TensorFlow created a GPU device', async () => {
    const { report, modulePath } = await runBackendChain(probes({ [GPU_PACKAGE]: 'gpu' }));
    expect(report).toMatchObject({
      backend: 'tensorflow-gpu',
      device: 'NVIDIA RTX A5000 (CUDA, compute capability 8.6)',
      usesGpu: true,
      skipped: [],
    });
    expect(modulePath).toBe(path.join(dir, 'gpu.cjs'));
  });

  it('names the missing CUDA 11 / cuDNN 8 libraries, then runs TensorFlow on the CPU', async () => {
    const { report, modulePath } = await runBackendChain(probes({ [GPU_PACKAGE]: 'noCuda11' }));
    expect(report.backend).toBe('tensorflow');
    expect(report.device).toContain(`via ${GPU_PACKAGE}`);
    expect(modulePath).toBe(path.join(dir, 'noCuda11.cjs'));
    expect(report.skipped).toEqual([
      {
        backend: 'tensorflow-gpu',
        reason: 'TensorFlow found no usable GPU: it could not load libcudart.so.11.0 and libcudnn.so.8',
        fix: expect.stringContaining('Install the CUDA 11.2 and cuDNN 8.1 runtime libraries'),
      },
    ]);
  });

  it('prefers tfjs-node when both load but no GPU is usable', async () => {
    const { report, modulePath } = await runBackendChain(
      probes({ [GPU_PACKAGE]: 'noCuda11', [CPU_PACKAGE]: 'noCuda11' }),
    );
    expect(report.backend).toBe('tensorflow');
    expect(report.device).not.toContain('via');
    expect(modulePath).toBe(path.join(dir, 'noCuda11.cjs'));
  });

  it('survives a crashing and a broken native package and falls back to wasm', async () => {
    const { report } = await runBackendChain(probes({ [GPU_PACKAGE]: 'crash', [CPU_PACKAGE]: 'noAddon' }));
    expect(report.backend).toBe('wasm');
    expect(report.skipped[0]!.reason).toBe(
      'crashed while loading (signal SIGKILL): F tensorflow/core/platform/default/env.cc:73] Check failed: ret == 0 (11 vs. 0)',
    );
    expect(report.skipped[1]!.reason).toBe('its native addon is missing (the install did not finish)');
  });

  it('gives up on a package that hangs', async () => {
    const { report } = await runBackendChain(probes({ [GPU_PACKAGE]: 'hang' }, 1500));
    expect(report.skipped[0]).toMatchObject({
      backend: 'tensorflow-gpu',
      reason: 'did not start within 2 s',
    });
    expect(report.backend).toBe('wasm');
  });

  it('ends on pure JavaScript when wasm cannot start', async () => {
    const p = probes({});
    const { report } = await runBackendChain({
      ...p,
      wasm: async () => ({
        outcome: 'reported',
        report: { ok: false, error: 'CompileError: bad magic' },
        stderr: '',
        exitCode: 0,
        signal: null,
        ms: 1,
      }),
    });
    expect(report.backend).toBe('cpu');
    expect(report.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm']);
    expect(report.skipped[2]!.reason).toBe('failed to start: CompileError: bad magic');
  });
});
