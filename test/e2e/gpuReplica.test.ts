// The WebGPU replica, in Debian's Chromium on its software adapter (SwiftShader): the same requests
// as a compute worker, and the same numbers. Three training steps of DW with refinement must match
// the WebAssembly trainer's within the float32 tolerance of two different kernel sets.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrowser } from '../../src-main/compute/browser';
import type { ImageTargets } from '../../src-main/detector/boxes';
import { detectorConfig } from '../../src-main/detector/config';
import type { ComputeReport } from '../../src-main/shared/api/system';
import { GpuReplicas } from '../../src-main/trainer/gpuReplicas';
import type { PixelBatch } from '../../src-main/trainer/replica';
import { WorkerReplicas, type Replicas } from '../../src-main/trainer/replicas';
import { builtBundle, ROOT } from '../integration/support/bundle';

const SIZE = 64;
const BASE: ComputeReport = {
  backend: 'wasm',
  device: 'CPU, 1 thread (WebAssembly SIMD)',
  usesGpu: false,
  threads: 1,
  skipped: [],
  probeMs: 0,
};

function batch(step: number): { pixels: PixelBatch; targets: ImageTargets[] } {
  let s = 77 + step;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const data = Float32Array.from({ length: 2 * SIZE * SIZE * 3 }, () => r() * 4 - 2);
  const targets = [0, 1].map(() => {
    const boxes: number[] = [];
    for (let g = 0; g < 2; g++) {
      const w = 20 + r() * 40;
      const h = 20 + r() * 40;
      const x = r() * (SIZE - w);
      const y = r() * (SIZE - h);
      boxes.push(x, y, x + w, y + h);
    }
    return { boxesXYXY: Float32Array.from(boxes), labels: Int32Array.from([0, 1]) };
  });
  return { pixels: { data, shape: [2, SIZE, SIZE] }, targets };
}

let gpu: GpuReplicas;

beforeAll(async () => {
  await builtBundle('trainer'); // the GPU page script is built with it (npm test builds all first)
  const found = findBrowser({ appRoot: ROOT });
  if (!found.browser) throw new Error(`no browser for the GPU page: ${found.looked}`);
  gpu = await GpuReplicas.start(
    { browser: found.browser, script: path.join(ROOT, 'dist', 'gpu', 'gpuTrainer.js'), allowSoftware: true },
    { ...BASE, backend: 'webgpu', device: 'GPU', usesGpu: true },
  );
});
afterAll(async () => {
  await gpu?.dispose();
});

async function threeSteps(replicas: Replicas) {
  const cfg = detectorConfig({
    preset: 'small',
    numClasses: 2,
    assigner: 'dw',
    refine: true,
    inputSize: SIZE,
    seed: 5,
  });
  await replicas.load(cfg, { kind: 'fresh' }, { momentum: 0.9, weightDecay: 1e-4 });
  const losses: number[][] = [];
  for (let step = 0; step < 3; step++) {
    const { pixels, targets } = batch(step);
    const r = await replicas.call(0, { op: 'step', pixels, targets, lr: 0.01, clipNorm: null, apply: true });
    losses.push(r.losses);
  }
  const state = await replicas.call(0, { op: 'exportState', withMomentum: false });
  return { losses, weights: new Float32Array(state.data) };
}

describe('training on WebGPU (software adapter, for correctness)', () => {
  it('reports its adapter, and refuses to pass a software one off as a GPU', () => {
    expect(gpu.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
  });

  it('takes the same three steps as the WebAssembly trainer', async () => {
    const onGpu = await threeSteps(gpu);
    const cpu = await WorkerReplicas.start(await builtBundle('trainerWorker'), 1, BASE);
    let onCpu: Awaited<ReturnType<typeof threeSteps>>;
    try {
      onCpu = await threeSteps(cpu);
    } finally {
      await cpu.dispose();
    }
    onGpu.losses.forEach((l, step) =>
      l.forEach((v, k) =>
        expect(Math.abs(v - onCpu.losses[step]![k]!)).toBeLessThan(1e-4 + 1e-3 * Math.abs(v)),
      ),
    );
    // Parameters after three steps: the relative L2 distance of the whole set, and each value.
    let diff = 0;
    let norm = 0;
    let worst = 0;
    for (let i = 0; i < onGpu.weights.length; i++) {
      const d = onGpu.weights[i]! - onCpu.weights[i]!;
      diff += d * d;
      norm += onCpu.weights[i]! ** 2;
      worst = Math.max(worst, Math.abs(d));
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-5);
    expect(worst).toBeLessThan(1e-4);
  }, 300_000);
});
