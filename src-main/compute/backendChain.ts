// The backend order of DESIGN.md (tfjs-node-gpu → tfjs-node → wasm with our kernels → pure JS) as
// one decision over injected probes, so that every branch can be exercised without the packages.
import { cpuDevice, type ComputeReport } from '../shared/api/system';
import type { ChildProbeResult } from './childProbe';
import { parseTfLog } from './cudaLibraries';
import { adviseNoGpu, type Advice, type GpuEvidence } from './gpuAdvice';

export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
export const CPU_PACKAGE = '@tensorflow/tfjs-node';
export type NativePackage = typeof GPU_PACKAGE | typeof CPU_PACKAGE;

export const NOT_INSTALLED =
  'not installed (its install downloads libtensorflow, which failed or was skipped)';

/** One native package: absent, or what its child probe saw. */
export type NativeProbe =
  { installed: false } | { installed: true; modulePath: string; child: ChildProbeResult };

export interface ChainProbes {
  native(pkg: NativePackage): Promise<NativeProbe>;
  wasm(): Promise<ChildProbeResult>;
  /** File-level evidence for a GPU that TensorFlow did not use (library search, driver presence). */
  gpuEvidence(stderr: string): Promise<GpuEvidence>;
  platform: NodeJS.Platform;
  cpuCount: number;
  /** Physical cores: the default number of compute workers. */
  physicalCores: number;
}

type Skip = ComputeReport['skipped'][number];

/** The decision: the report plus, for the TensorFlow backends, which package to load. */
export interface ComputeChoice {
  report: ComputeReport;
  /** Resolved entry file of the package to require for 'tensorflow-gpu' / 'tensorflow'. */
  modulePath: string | null;
}

const installFix = (pkg: NativePackage) =>
  `With internet access, run \`npm install ${pkg}\` in the DW Studio folder (or point TFJS_NODE_CDN_STORAGE ` +
  'at a mirror of storage.googleapis.com), then restart.' +
  (pkg === GPU_PACKAGE
    ? ' It also needs an NVIDIA driver (> 450) and the CUDA 11.2 + cuDNN 8.1 runtime.'
    : '');

/** Why a native package that is installed could not be used at all. */
export function adviseLoadFailure(pkg: NativePackage, child: ChildProbeResult): Advice {
  const lastLine = child.stderr.trim().split('\n').slice(-1)[0]?.trim() ?? '';
  if (child.outcome === 'timeout') {
    return {
      reason: `did not start within ${Math.round(child.ms / 1000)} s`,
      fix: 'Restart DW Studio; if it happens again, start it from a terminal to see TensorFlow’s messages.',
    };
  }
  if (child.outcome === 'crashed') {
    const how = child.signal ? `signal ${child.signal}` : `exit code ${child.exitCode ?? '?'}`;
    return {
      reason: `crashed while loading (${how})${lastLine ? `: ${lastLine}` : ''}`,
      fix:
        pkg === GPU_PACKAGE
          ? 'Check the NVIDIA driver and the CUDA 11.2 / cuDNN 8.1 libraries on LD_LIBRARY_PATH (PATH on Windows).'
          : `Reinstall ${pkg}.`,
    };
  }
  const error = child.report?.error ?? 'unknown error';
  if (/tfjs_binding\.node|native addon/i.test(error)) {
    return { reason: 'its native addon is missing (the install did not finish)', fix: installFix(pkg) };
  }
  return { reason: `failed to load: ${error.split('\n')[0]}`, fix: `Reinstall ${pkg}. ${installFix(pkg)}` };
}

function skip(backend: Skip['backend'], a: Advice): Skip {
  return { backend, reason: a.reason, fix: a.fix };
}

const loaded = (p: NativeProbe) =>
  p.installed && p.child.outcome === 'reported' && p.child.report?.ok === true ? p : null;

export async function runBackendChain(probes: ChainProbes): Promise<ComputeChoice> {
  const started = performance.now();
  const skipped: Skip[] = [];
  const done = (r: Omit<ComputeReport, 'skipped' | 'probeMs'>, modulePath: string | null = null) => ({
    report: { ...r, skipped, probeMs: Math.round(performance.now() - started) },
    modulePath,
  });
  const tfCpu = `CPU, ${probes.cpuCount} threads (TensorFlow)`;

  // 1. tfjs-node-gpu
  const gpu = await probes.native(GPU_PACKAGE);
  const gpuLoaded = loaded(gpu);
  if (gpuLoaded && gpuLoaded.child.report?.usesGpu) {
    const facts = parseTfLog(gpuLoaded.child.stderr).gpu;
    const device = facts
      ? `${facts.name} (CUDA${facts.computeCapability ? `, compute capability ${facts.computeCapability}` : ''})`
      : 'NVIDIA GPU (CUDA)';
    return done({ backend: 'tensorflow-gpu', device, usesGpu: true, threads: 1 }, gpuLoaded.modulePath);
  }
  if (!gpu.installed)
    skipped.push({ backend: 'tensorflow-gpu', reason: NOT_INSTALLED, fix: installFix(GPU_PACKAGE) });
  else if (!gpuLoaded) skipped.push(skip('tensorflow-gpu', adviseLoadFailure(GPU_PACKAGE, gpu.child)));
  else skipped.push(skip('tensorflow-gpu', adviseNoGpu(await probes.gpuEvidence(gpuLoaded.child.stderr))));

  // 2. tfjs-node; the GPU build running on the CPU serves just as well when it is the one installed.
  const cpu = await probes.native(CPU_PACKAGE);
  const cpuLoaded = loaded(cpu);
  if (cpuLoaded)
    return done({ backend: 'tensorflow', device: tfCpu, usesGpu: false, threads: 1 }, cpuLoaded.modulePath);
  if (gpuLoaded) {
    return done(
      {
        backend: 'tensorflow',
        device: `${tfCpu.slice(0, -1)}, via ${GPU_PACKAGE})`,
        usesGpu: false,
        threads: 1,
      },
      gpuLoaded.modulePath,
    );
  }
  if (!cpu.installed)
    skipped.push({ backend: 'tensorflow', reason: NOT_INSTALLED, fix: installFix(CPU_PACKAGE) });
  else skipped.push(skip('tensorflow', adviseLoadFailure(CPU_PACKAGE, cpu.child)));

  // 3. WebAssembly with our training kernels
  const wasm = await probes.wasm();
  if (wasm.outcome === 'reported' && wasm.report?.ok) {
    const device = cpuDevice(probes.physicalCores, 'wasm', wasm.report.simd === true);
    return done({ backend: 'wasm', device, usesGpu: false, threads: probes.physicalCores });
  }
  const why =
    wasm.report?.error ??
    (wasm.outcome === 'timeout' ? 'timed out' : `crashed (${wasm.signal ?? wasm.exitCode})`);
  skipped.push({
    backend: 'wasm',
    reason: `failed to start: ${why.split('\n')[0]}`,
    fix: 'Reinstall DW Studio: the .wasm files of @tensorflow/tfjs-backend-wasm are missing or blocked.',
  });

  // 4. Pure JavaScript: always present.
  return done({
    backend: 'cpu',
    device: cpuDevice(probes.physicalCores, 'cpu', false),
    usesGpu: false,
    threads: probes.physicalCores,
  });
}
