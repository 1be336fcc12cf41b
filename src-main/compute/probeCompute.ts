// The compute probe with real inputs: package resolution, child processes, the file system.
// Loads no TensorFlow.js into the calling process, so the app's main process can call it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ComputeReport } from '../shared/api/system';
import { runBackendChain, type ChainProbes, type ComputeChoice, type NativePackage } from './backendChain';
import { defaultResolveBase, resolvePackage, runChildProbe, type ProbeLauncher } from './childProbe';
import {
  locateLibraries,
  NEWER_CUDA_LIBRARIES,
  parseTfLog,
  requiredCudaLibraries,
  splitSearchPath,
} from './cudaLibraries';
import { physicalCores } from './cores';
import type { GpuEvidence } from './gpuAdvice';

export interface ProbeOptions {
  /** File that packages resolve from (default: this module's file). */
  resolveBase?: string;
  /** Limit per child process. Loading libtensorflow, and on new GPUs its PTX JIT, can take a while. */
  nativeTimeoutMs?: number;
  wasmTimeoutMs?: number;
  /** How the probe children start (default: this binary as Node). */
  launcher?: ProbeLauncher;
}

function ldconfig(): Promise<string> {
  return new Promise((resolve) => {
    const tryRun = (bins: string[]) => {
      const [bin, ...rest] = bins;
      if (!bin) return resolve('');
      execFile(bin, ['-p'], { timeout: 5000, maxBuffer: 8 << 20 }, (err, stdout) =>
        err ? tryRun(rest) : resolve(stdout),
      );
    };
    tryRun(['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']);
  });
}

/** CUDA toolkit folders outside the loader's path, where a side-by-side 11.x install usually sits. */
function toolkitDirs(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') {
    const root = path.join(
      process.env.ProgramFiles ?? 'C:\\Program Files',
      'NVIDIA GPU Computing Toolkit',
      'CUDA',
    );
    return safeReaddir(root).map((v) => path.join(root, v, 'bin'));
  }
  const cudas = safeReaddir('/usr/local').filter((d) => d.startsWith('cuda'));
  return [...cudas.map((d) => path.join('/usr/local', d, 'lib64')), '/usr/lib/x86_64-linux-gnu'];
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export async function gatherGpuEvidence(stderr: string, platform = process.platform): Promise<GpuEvidence> {
  const searchPath = splitSearchPath(
    platform === 'win32' ? process.env.PATH : process.env.LD_LIBRARY_PATH,
    platform,
  );
  const base = {
    searchPath,
    ldconfig: platform === 'linux' ? await ldconfig() : '',
    extraDirs: toolkitDirs(platform).filter((d) => !searchPath.includes(d)),
    exists: (p: string) => fs.existsSync(p),
    join: (d: string, n: string) => path.join(d, n),
  };
  return {
    platform,
    log: parseTfLog(stderr),
    libraries: locateLibraries({ ...base, names: requiredCudaLibraries(platform) }),
    newer: locateLibraries({ ...base, names: NEWER_CUDA_LIBRARIES }),
    driverPresent: platform === 'linux' ? fs.existsSync('/proc/driver/nvidia/version') : null,
  };
}

export function realProbes(options: ProbeOptions = {}): ChainProbes {
  const base = options.resolveBase ?? defaultResolveBase();
  return {
    async native(pkg: NativePackage) {
      const modulePath = resolvePackage(pkg, base);
      if (!modulePath) return { installed: false };
      const child = await runChildProbe(
        { kind: 'native', module: modulePath },
        { timeoutMs: options.nativeTimeoutMs ?? 180_000, launcher: options.launcher },
      );
      return { installed: true, modulePath, child };
    },
    async wasm() {
      const core = resolvePackage('@tensorflow/tfjs-core', base);
      const module = resolvePackage('@tensorflow/tfjs-backend-wasm', base);
      if (!core || !module) {
        const missing = core ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-core';
        return {
          outcome: 'reported',
          report: { ok: false, error: `${missing} is not installed` },
          stderr: '',
          exitCode: 0,
          signal: null,
          ms: 0,
        };
      }
      return runChildProbe(
        { kind: 'wasm', core, module },
        { timeoutMs: options.wasmTimeoutMs ?? 60_000, launcher: options.launcher },
      );
    },
    gpuEvidence: (stderr) => gatherGpuEvidence(stderr),
    platform: process.platform,
    cpuCount: os.cpus().length,
    physicalCores: physicalCores(),
  };
}

/** Which backend training would use here, and why each better one was skipped (with the package to load). */
export function chooseCompute(options: ProbeOptions = {}): Promise<ComputeChoice> {
  return runBackendChain(realProbes(options));
}

/** The report for `system.info`. Child processes only; safe to call from the app's main process. */
export async function probeCompute(options: ProbeOptions = {}): Promise<ComputeReport> {
  return (await chooseCompute(options)).report;
}
