import { describe, expect, it } from 'vitest';
import type { ComputeReport } from '../../../src-main/shared/api/system';
import { uncertaintyOf } from '../../../src-main/services/predictionStore';
import { planTraining } from '../../../src-main/services/trainingService';

const wasm: ComputeReport = {
  backend: 'wasm',
  device: 'CPU, 2 threads (WebAssembly SIMD)',
  usesGpu: false,
  threads: 2,
  skipped: [{ backend: 'tensorflow-gpu', reason: 'not installed' }],
  probeMs: 10,
};
const gpu: ComputeReport = {
  backend: 'tensorflow-gpu',
  device: 'NVIDIA RTX 3060',
  usesGpu: true,
  threads: 1,
  skipped: [],
  probeMs: 900,
};

describe('one-click training plan', () => {
  it('on a CPU: small network, modest size, a time budget scaled to the dataset, and says why', () => {
    const plan = planTraining(wasm, { train: 290, val: 70, classes: 6 });
    expect(plan.config).toMatchObject({
      preset: 'small',
      size: 320,
      batchSize: 4,
      minutes: 29,
      epochs: null,
      assigner: 'dw',
      refine: true,
    });
    expect(plan.blocker).toBeNull();
    expect(plan.reasons[0]).toContain('No usable GPU');
    expect(plan.reasons[0]).toContain('WebAssembly');
    expect(plan.reasons.join(' ')).toContain('29-minute budget');
  });

  it('on a GPU: a ResNet at 512 px and epochs', () => {
    const plan = planTraining(gpu, { train: 1000, val: 200, classes: 3 });
    expect(plan.config).toMatchObject({
      preset: 'resnet50',
      size: 512,
      batchSize: 8,
      epochs: 12,
      minutes: null,
    });
    expect(planTraining(gpu, { train: 100, val: 20, classes: 3 }).config.preset).toBe('resnet18');
  });

  it('applies overrides, marks them as the user’s, and lets epochs replace the time budget', () => {
    const plan = planTraining(
      wasm,
      { train: 50, val: 10, classes: 2 },
      { size: 128, assigner: 'fcos', epochs: 3 },
    );
    expect(plan.config).toMatchObject({ size: 128, assigner: 'fcos', epochs: 3, minutes: null });
    expect(plan.reasons[0]).toContain('128 px (your setting)');
    expect(plan.reasons.join(' ')).toContain('FCOS label assignment (your setting)');
  });

  it('turns box refinement off below 256 px, and says so also when the user asked for it', () => {
    const small = planTraining(wasm, { train: 50, val: 10, classes: 2 }, { size: 192 });
    expect(small.config.refine).toBe(false);
    expect(small.reasons.join(' ')).toContain('Box refinement is off at 192 px');
    const asked = planTraining(wasm, { train: 50, val: 10, classes: 2 }, { size: 192, refine: true });
    expect(asked.config.refine).toBe(false);
    expect(asked.reasons.join(' ')).toContain('Box refinement is off at 192 px');
    expect(planTraining(wasm, { train: 50, val: 10, classes: 2 }, { size: 256 }).config.refine).toBe(true);
    // FCOS never refines, at any size.
    expect(planTraining(wasm, { train: 50, val: 10, classes: 2 }, { assigner: 'fcos' }).config.refine).toBe(
      false,
    );
  });

  it('splits each step over a worker per core, the Settings value, or no more workers than images', () => {
    const auto = planTraining(wasm, { train: 290, val: 70, classes: 6 });
    expect(auto.compute.device).toBe('CPU, 2 threads (WebAssembly SIMD)');
    expect(auto.reasons).toContain(
      "2 compute workers, one per physical core: each step's batch is split between them and their gradients are summed.",
    );
    const set = planTraining(wasm, { train: 290, val: 70, classes: 6 }, {}, 1);
    expect(set.compute.device).toBe('CPU, 1 thread (WebAssembly SIMD)');
    expect(set.reasons).toContain('1 compute worker (from Settings): each step runs on one thread.');
    const four = planTraining(wasm, { train: 290, val: 70, classes: 6 }, { workers: 4, batchSize: 8 });
    expect(four.compute.device).toBe('CPU, 4 threads (WebAssembly SIMD)');
    expect(four.reasons.join(' ')).toContain('4 compute workers (your setting)');
    const one = planTraining(wasm, { train: 290, val: 70, classes: 6 }, { batchSize: 1 });
    expect(one.compute.device).toBe('CPU, 1 thread (WebAssembly SIMD)');
    expect(one.reasons.join(' ')).toContain('1 compute worker, no more than the images of a step');
    // A GPU runs its own threads: no workers.
    expect(planTraining(gpu, { train: 290, val: 70, classes: 6 }).reasons.join(' ')).not.toContain('worker');
  });

  it('refuses a WebAssembly run that would not fit its 4 GB heap', () => {
    const big = planTraining(
      wasm,
      { train: 50, val: 10, classes: 2 },
      { preset: 'resnet50', size: 512, batchSize: 2 },
    );
    expect(big.blocker).toMatch(/needs about 19\.5 GB .* WebAssembly's 4 GB/);
    expect(
      planTraining(gpu, { train: 50, val: 10, classes: 2 }, { preset: 'resnet50', size: 512 }).blocker,
    ).toBeNull();
  });

  it('explains why training cannot start', () => {
    expect(planTraining(wasm, { train: 0, val: 0, classes: 0 }).blocker).toMatch(/Add at least one class/);
    expect(planTraining(wasm, { train: 0, val: 3, classes: 2 }).blocker).toMatch(/Label at least one image/);
    expect(planTraining(wasm, { train: 5, val: 0, classes: 2 }).reasons.join(' ')).toContain(
      'No validation images',
    );
  });
});

describe('image uncertainty', () => {
  it('is the mean binary entropy of scores ≥ 0.1: 1 at 0.5, 0 with nothing found', () => {
    expect(uncertaintyOf([])).toBe(0);
    expect(uncertaintyOf([0.05, 0.09])).toBe(0);
    expect(uncertaintyOf([0.5])).toBeCloseTo(1, 12);
    expect(uncertaintyOf([0.5, 0.99])).toBeCloseTo((1 + 0.0807931358959) / 2, 9);
    expect(uncertaintyOf([0.6])).toBeGreaterThan(uncertaintyOf([0.9]));
  });
});
