import { describe, expect, it } from 'vitest';
import { epochOrder, flipAt, prng } from '../../../src-main/training/pipeline';

describe('training data order', () => {
  it('is a seeded permutation, the same on every call (resumable)', () => {
    const a = epochOrder(50, 7, 3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 7, 3)).toEqual(a);
    expect(epochOrder(50, 7, 4)).not.toEqual(a);
    expect(epochOrder(50, 8, 3)).not.toEqual(a);
  });

  it('flips about half the samples, deterministically', () => {
    const flips = Array.from({ length: 2000 }, (_, k) => flipAt(1, k));
    const share = flips.filter(Boolean).length / flips.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect(Array.from({ length: 2000 }, (_, k) => flipAt(1, k))).toEqual(flips);
  });

  it('prng gives values in [0, 1)', () => {
    const r = prng(123);
    for (let i = 0; i < 1000; i++) {
      const v = r();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
