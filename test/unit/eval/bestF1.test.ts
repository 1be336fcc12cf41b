import { describe, expect, it } from 'vitest';
import { bestF1 } from '../../../src-main/eval/bestF1';

describe('best-F1 score threshold', () => {
  it('finds the threshold of the best F1 over the detections, by hand', () => {
    // Scores 0.9 (TP), 0.8 (TP), 0.6 (FP), 0.4 (TP), 0.1 (FP); 4 labels.
    // ≥0.9: 2·1/(1+4)=0.4; ≥0.8: 4/6=0.667; ≥0.6: 4/7=0.571; ≥0.4: 6/8=0.75; ≥0.1: 6/9=0.667.
    const r = bestF1([0.6, 0.9, 0.1, 0.8, 0.4], [false, true, false, true, true], 4)!;
    expect(r.score).toBe(0.4);
    expect(r.f1).toBeCloseTo(0.75, 12);
    expect(r.precision).toBeCloseTo(3 / 4, 12);
    expect(r.recall).toBeCloseTo(3 / 4, 12);
  });

  it('keeps or drops tied scores together, and prefers the higher threshold on equal F1', () => {
    // Both at 0.5: no threshold keeps only one of them.
    expect(bestF1([0.5, 0.5], [true, false], 1)).toMatchObject({ score: 0.5, f1: 2 / 3 });
    // ≥0.9: 2/(1+1)=1; the lower threshold cannot beat it.
    expect(bestF1([0.9, 0.3], [true, false], 1)).toMatchObject({ score: 0.9, f1: 1 });
  });

  it('has no answer without labels or detections', () => {
    expect(bestF1([0.5], [false], 0)).toBeNull();
    expect(bestF1([], [], 3)).toBeNull();
  });
});
