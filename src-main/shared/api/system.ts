import { z } from 'zod';
import { method } from './define';

export const BackendName = z.enum(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/** Why a better backend than the chosen one was not used. */
export const BackendSkip = z.object({
  backend: BackendName,
  reason: z.string(),
  /** What the user can do about it, in plain words (e.g. which CUDA library to install). */
  fix: z.string().optional(),
});

export const ComputeReport = z.object({
  backend: BackendName,
  /** e.g. "NVIDIA GeForce RTX 3060" or "CPU, 2 threads (WebAssembly SIMD)". */
  device: z.string(),
  /**
   * Compute workers a run uses by default: one per physical core for the WebAssembly and JavaScript
   * backends (each runs one thread); 1 for the TensorFlow backends, which thread their own kernels.
   */
  threads: z.number().int().min(1),
  usesGpu: z.boolean(),
  skipped: z.array(BackendSkip),
  /** Milliseconds the probe took. */
  probeMs: z.number(),
  /** The WebGPU adapter, when one was looked at (used, or refused with a reason in `skipped`). */
  adapter: z
    .object({
      vendor: z.string(),
      architecture: z.string(),
      device: z.string(),
      description: z.string(),
      /** A software adapter (SwiftShader, or what the browser marks as a fallback). */
      software: z.boolean(),
      /** The browser that hosts it. */
      browser: z.string(),
    })
    .optional(),
  /** The check of the GPU's gradients against the CPU's, before it is trusted with training. */
  selfCheck: z
    .object({
      passed: z.boolean(),
      /** Largest relative difference of the loss and of the gradient (L2), GPU against CPU. */
      lossError: z.number(),
      gradientError: z.number(),
      /** Taken from the cache of an earlier check of the same adapter and driver. */
      cached: z.boolean(),
    })
    .optional(),
});
export type ComputeReport = z.infer<typeof ComputeReport>;

/** Backends whose training is split over compute workers, one thread each. */
export function usesWorkers(backend: BackendName): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

/**
 * Compute workers a training run uses: the setting (or one per physical core), but never more than
 * the images of a step, which would leave workers idle at every step's meeting.
 */
export function trainingWorkers(defaultThreads: number, workers: number | null, batchSize: number): number {
  return Math.max(1, Math.min(workers ?? defaultThreads, batchSize));
}

/** The device line of a CPU backend run on `threads` workers: "CPU, 2 threads (WebAssembly SIMD)". */
export function cpuDevice(threads: number, backend: 'wasm' | 'cpu', simd: boolean): string {
  const engine = backend === 'wasm' ? `WebAssembly${simd ? ' SIMD' : ''}` : 'JavaScript';
  return `CPU, ${threads} thread${threads === 1 ? '' : 's'} (${engine})`;
}

export const SystemInfo = z.object({
  appVersion: z.string(),
  mode: z.enum(['desktop', 'serve']),
  versions: z.object({
    node: z.string(),
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
  }),
  platform: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int(),
  totalMemoryBytes: z.number(),
  freeMemoryBytes: z.number(),
  /** Null until the trainer process has probed the backends (it does so once, at start). */
  compute: ComputeReport.nullable(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const systemMethods = {
  'system.info': method(
    z.object({}).strict(),
    SystemInfo,
    'App, runtime and machine facts, and the compute backend the trainer would use.',
  ),
};
