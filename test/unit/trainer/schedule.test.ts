import { describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { clipByGlobalNorm } from '../../../src-main/detector/model';
import { tf } from '../../../src-main/detector/tf';
import { learningRate, warmupLength } from '../../../src-main/trainer/schedule';

describe('learning-rate schedule (SPEC §9.1, scaled)', () => {
  const c = { lr: 0.01, warmupSteps: 1000, warmupRatio: 0.001, decayAt: [8 / 12, 11 / 12] };
  const total = 12_000;

  it("warms up linearly from lr·ratio, as mmdet's linear warmup", () => {
    expect(learningRate(c, 0, total)).toBeCloseTo(0.01 * 0.001, 12);
    expect(learningRate(c, 500, total)).toBeCloseTo(0.01 * (1 - 0.5 * 0.999), 12);
    expect(learningRate(c, 1000, total)).toBe(0.01);
  });

  it('drops ×0.1 from each decay point of the run on', () => {
    expect(learningRate(c, 7999, total)).toBe(0.01);
    expect(learningRate(c, 8000, total)).toBeCloseTo(0.001, 15);
    expect(learningRate(c, 10_999, total)).toBeCloseTo(0.001, 15);
    expect(learningRate(c, 11_000, total)).toBeCloseTo(0.0001, 15);
  });

  it('keeps warmup to a tenth of a short run, so the run reaches its learning rate', () => {
    expect(warmupLength(c, 300)).toBe(30);
    expect(warmupLength(c, 5)).toBe(1);
    expect(warmupLength({ warmupSteps: 0 }, 300)).toBe(0);
    expect(learningRate(c, 30, 300)).toBe(0.01);
    expect(learningRate({ ...c, warmupSteps: 0 }, 0, 300)).toBe(0.01);
  });

  it('is a function of the step and the run length alone', () => {
    const curve = (n: number) => Array.from({ length: n }, (_, s) => learningRate(c, s, n));
    expect(curve(400)).toEqual(curve(400));
    // Non-increasing after warmup, with exactly the two drops.
    const after = curve(400).slice(40);
    expect(after.every((v, i) => i === 0 || v <= after[i - 1]!)).toBe(true);
    expect(new Set(after).size).toBe(3);
  });
});

describe('gradient clipping by global norm', () => {
  it('scales every gradient by maxNorm / norm when the norm is larger, and leaves small ones alone', async () => {
    await useBackend('cpu');
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor2d([[0, 4]])],
    ]); // global norm 5
    const clipped = tf.tidy(() => [...clipByGlobalNorm(grads, 1).values()].map((t) => tf.keep(t)));
    expect(Array.from(await clipped[0]!.data())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(Array.from(await clipped[1]!.data())).toEqual([0, expect.closeTo(0.8, 6)]);
    const kept = tf.tidy(() => [...clipByGlobalNorm(grads, 10).values()].map((t) => tf.keep(t)));
    expect(Array.from(await kept[0]!.data())).toEqual([expect.closeTo(3, 5), 0]);
    tf.dispose([...grads.values(), ...clipped, ...kept]);
  });
});
