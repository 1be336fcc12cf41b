import { describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { clipByGlobalNorm } from '../../../src-main/detector/model';
import { tf } from '../../../src-main/detector/tf';
import { learningRate } from '../../../src-main/training/schedule';

describe('learning-rate schedule (SPEC §9.1, scaled)', () => {
  const c = { lr: 0.01, warmupSteps: 1000, warmupRatio: 0.001, decayAt: [8 / 12, 11 / 12] };

  it("warms up linearly from lr·ratio, as mmdet's linear warmup", () => {
    expect(learningRate(c, 0, 0)).toBeCloseTo(0.01 * 0.001, 12);
    expect(learningRate(c, 500, 0.01)).toBeCloseTo(0.01 * (1 - 0.5 * 0.999), 12);
    expect(learningRate(c, 1000, 0.1)).toBe(0.01);
  });

  it('drops ×0.1 after each decay point of the budget', () => {
    expect(learningRate(c, 5000, 8 / 12 - 1e-9)).toBe(0.01);
    expect(learningRate(c, 5000, 8 / 12)).toBeCloseTo(0.001, 15);
    expect(learningRate(c, 5000, 11 / 12)).toBeCloseTo(0.0001, 15);
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
