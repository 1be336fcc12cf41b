// The WebGPU route of the backend chain (after tfjs-node-gpu, before the CPU backends): find a
// browser, open the GPU page, look at its adapter, and before the first training on that adapter check
// its loss and gradients against WebAssembly's on a small network (driver bugs exist: tfjs#8590 saw
// all-zero WebGPU gradients on one device). A software adapter is never used for training unless
// DW_STUDIO_ALLOW_SOFTWARE_GPU=1 (tests). Every refusal says why, as a skipped backend.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBrowser, type BrowserExecutable } from '../compute/browser';
import type { ImageTargets } from '../detector/boxes';
import { detectorConfig } from '../detector/config';
import { version_core as TFJS_VERSION } from '@tensorflow/tfjs-core';
import type { ComputeReport } from '../shared/api/system';
import { GpuReplicas } from './gpuReplicas';
import type { GpuAdapterInfo } from './gpuProtocol';
import type { PixelBatch } from './replica';
import { LocalReplicas } from './replicas';

type Skip = ComputeReport['skipped'][number] & { backend: 'webgpu' };

export interface GpuRoute {
  replicas: GpuReplicas;
  report: ComputeReport;
}

export interface GpuRouteOptions {
  env?: NodeJS.ProcessEnv;
  /** The built GPU page script. */
  script: string;
  /** The app folder (Electron runs it in its GPU-host mode). */
  appRoot: string;
  /** Where self-check results are kept, by adapter and browser. */
  cacheDir: string;
}

/** Tolerances of the self-check: float32 kernels of two backends on the same small network. */
export const SELF_CHECK_LOSS_RTOL = 1e-3;
export const SELF_CHECK_GRADIENT_RTOL = 1e-3;

/** Whether this machine shows any GPU to user programs (Linux: a render node or NVIDIA's devices). */
function gpuDevicePresent(): { present: boolean; where: string } {
  if (process.platform !== 'linux') return { present: true, where: '' };
  const dri = (() => {
    try {
      return readdirSync('/dev/dri').filter((n) => n.startsWith('render'));
    } catch {
      return [];
    }
  })();
  if (dri.length > 0 || existsSync('/dev/nvidia0')) return { present: true, where: '' };
  return { present: false, where: 'no GPU device node (/dev/dri/render*, /dev/nvidia0)' };
}

/** The adapter as the status bar names it. */
export function adapterName(a: GpuAdapterInfo): string {
  const name = a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown GPU';
  return a.device && !name.includes(a.device) ? `${name} (${a.device})` : name;
}

/** The self-check's inputs: a seeded 64 px batch of two images with boxes of both classes. */
function checkBatch(): { pixels: PixelBatch; targets: ImageTargets[] } {
  let s = 2024;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const data = Float32Array.from({ length: 2 * 64 * 64 * 3 }, () => r() * 4 - 2);
  const targets = [0, 1].map((b) => ({
    boxesXYXY: Float32Array.from([4 + b * 8, 6, 40 + b * 4, 50, 30, 20, 60, 44]),
    labels: Int32Array.from([0, 1]),
  }));
  return { pixels: { data, shape: [2, 64, 64] }, targets };
}

/** Loss and gradient of the check network on `replicas` (DW with refinement, a fixed seed). */
async function checkGradients(replicas: LocalReplicas | GpuReplicas) {
  const cfg = detectorConfig({
    preset: 'small',
    numClasses: 2,
    assigner: 'dw',
    refine: true,
    inputSize: 64,
    seed: 11,
  });
  await replicas.load(cfg, { kind: 'fresh' }, null);
  const { pixels, targets } = checkBatch();
  return replicas.call(0, { op: 'gradients', pixels, targets });
}

interface CheckCache {
  [key: string]: { lossError: number; gradientError: number; passed: boolean; at: string };
}

function readCache(file: string): CheckCache {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CheckCache;
  } catch {
    return {};
  }
}

/**
 * The GPU against WebAssembly on the check network: the relative error of the loss and of the whole
 * gradient (L2). An all-zero gradient, or NaN, fails.
 */
export async function selfCheck(gpu: GpuReplicas, cpuBase: ComputeReport) {
  const { useBackend } = await import('../compute/activate');
  await useBackend('wasm');
  const cpu = new LocalReplicas(cpuBase);
  try {
    const want = await checkGradients(cpu);
    const got = await checkGradients(gpu);
    const lossError = Math.abs(got.losses[0]! - want.losses[0]!) / Math.max(Math.abs(want.losses[0]!), 1e-12);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < want.flat.length; i++) {
      diff += (got.flat[i]! - want.flat[i]!) ** 2;
      norm += want.flat[i]! ** 2;
    }
    const gradientError = Math.sqrt(diff / Math.max(norm, 1e-30));
    const passed =
      Number.isFinite(lossError) &&
      Number.isFinite(gradientError) &&
      lossError <= SELF_CHECK_LOSS_RTOL &&
      gradientError <= SELF_CHECK_GRADIENT_RTOL;
    return { passed, lossError, gradientError };
  } finally {
    await cpu.dispose();
  }
}

/** Tries the WebGPU route; the GPU page (kept open) and its report, or why it was not used. */
export async function tryWebGpu(
  base: ComputeReport,
  options: GpuRouteOptions,
): Promise<{ route: GpuRoute } | { route: null; skip: Skip; adapter?: ComputeReport['adapter'] }> {
  const env = options.env ?? process.env;
  const allowSoftware = env.DW_STUDIO_ALLOW_SOFTWARE_GPU === '1';
  if (env.DW_STUDIO_WEBGPU === '0')
    return { route: null, skip: { backend: 'webgpu', reason: 'turned off (DW_STUDIO_WEBGPU=0)' } };
  // Without a GPU device node there is nothing to open a browser for, unless one was named.
  const device = gpuDevicePresent();
  if (!device.present && !allowSoftware && !env.CHROMIUM_PATH)
    return { route: null, skip: { backend: 'webgpu', reason: device.where } };
  const found = findBrowser({ env, appRoot: options.appRoot });
  if (!found.browser) {
    return {
      route: null,
      skip: {
        backend: 'webgpu',
        reason: `no browser to host it: ${found.looked}`,
        fix: 'Install Chromium or Google Chrome, or name one with CHROMIUM_PATH.',
      },
    };
  }
  const browser: BrowserExecutable = found.browser;
  const browserName = `${browser.kind === 'electron' ? 'Electron' : 'Chromium'} (${browser.path})`;
  let gpu: GpuReplicas;
  try {
    gpu = await GpuReplicas.start({ browser, script: options.script, allowSoftware }, base);
  } catch (e) {
    return {
      route: null,
      skip: {
        backend: 'webgpu',
        reason: `no usable WebGPU adapter in ${browserName}: ${(e as Error).message.split('\n')[0]}`,
        fix: 'WebGPU needs a current GPU driver (on Linux with NVIDIA, 535 or newer).',
      },
    };
  }
  const a = gpu.adapter!;
  const adapter = { ...a, browser: browserName };
  if (a.software && !allowSoftware) {
    await gpu.dispose();
    return {
      route: null,
      adapter,
      skip: {
        backend: 'webgpu',
        reason: `only a software adapter (${adapterName(a)}), which is no faster than the CPU: not used for training`,
      },
    };
  }
  // The check, once per adapter, browser and TensorFlow.js version.
  const cacheFile = path.join(options.cacheDir, 'gpu-checks.json');
  const key = JSON.stringify([a.vendor, a.architecture, a.device, a.description, browser.path, TFJS_VERSION]);
  const cache = readCache(cacheFile);
  const cachedCheck = cache[key];
  let check: { passed: boolean; lossError: number; gradientError: number; cached: boolean };
  if (cachedCheck) check = { ...cachedCheck, cached: true };
  else {
    try {
      const result = await selfCheck(gpu, base);
      check = { ...result, cached: false };
      mkdirSync(options.cacheDir, { recursive: true });
      const next = { ...readCache(cacheFile), [key]: { ...result, at: new Date().toISOString() } };
      writeFileSync(`${cacheFile}.tmp`, JSON.stringify(next, null, 2));
      renameSync(`${cacheFile}.tmp`, cacheFile);
    } catch (e) {
      await gpu.dispose();
      return {
        route: null,
        adapter,
        skip: { backend: 'webgpu', reason: `the check of ${adapterName(a)} failed: ${(e as Error).message}` },
      };
    }
  }
  const selfCheckReport = {
    passed: check.passed,
    lossError: check.lossError,
    gradientError: check.gradientError,
    cached: check.cached,
  };
  if (!check.passed) {
    await gpu.dispose();
    return {
      route: null,
      adapter,
      skip: {
        backend: 'webgpu',
        reason:
          `${adapterName(a)} computes gradients that differ from the CPU's (loss ${check.lossError.toExponential(1)}, ` +
          `gradient ${check.gradientError.toExponential(1)} relative): its driver is not trusted for training`,
        fix: 'Update the GPU driver; DW Studio checks the adapter again after an update of the browser.',
      },
    };
  }
  const report: ComputeReport = {
    ...base,
    backend: 'webgpu',
    device: `${adapterName(a)} (WebGPU${a.software ? ', software' : ''})`,
    usesGpu: true,
    threads: 1,
    adapter,
    selfCheck: selfCheckReport,
  };
  gpu.compute = report;
  return { route: { replicas: gpu, report } };
}

/** Where the trainer keeps what it learnt about this machine (self-checks). */
export function trainerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DW_STUDIO_CACHE_DIR ?? path.join(os.tmpdir(), 'dw-studio-cache');
}
