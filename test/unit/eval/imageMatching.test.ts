import { describe, expect, it } from 'vitest';
import { matchImage, type MatchLabel, type MatchPrediction } from '../../../src-main/eval';

const label = (classId: number, x: number, y: number, w = 10, h = 10): MatchLabel => ({
  classId,
  box: [x, y, w, h],
});
const pred = (classId: number, score: number, x: number, y: number, w = 10, h = 10): MatchPrediction => ({
  classId,
  score,
  box: [x, y, w, h],
});

describe('matchImage (Review: TP / FP / missed per image)', () => {
  it('pairs each prediction with the label it finds, by index into the inputs', () => {
    const labels = [label(1, 0, 0), label(1, 100, 100)];
    const preds = [pred(1, 0.6, 100, 100), pred(1, 0.9, 0, 0, 10, 8)];
    const m = matchImage(labels, preds);
    expect(m.labelOf).toEqual([1, 0]);
    expect(m.predictionOf).toEqual([1, 0]);
    expect(m.iou).toEqual([1, 0.8]);
    // Best score first.
    expect(m.truePositives).toEqual([1, 0]);
    expect(m.falsePositives).toEqual([]);
    expect(m.missed).toEqual([]);
  });

  it('lets the higher score take a label even when a lower one overlaps it better', () => {
    // Both overlap label 0; the 0.9 one (IoU 0.8) takes it, the 0.5 one (IoU 1) is a duplicate.
    const m = matchImage([label(1, 0, 0)], [pred(1, 0.5, 0, 0), pred(1, 0.9, 0, 0, 10, 8)]);
    expect(m.truePositives).toEqual([1]);
    expect(m.falsePositives).toEqual([0]);
    expect(m.labelOf).toEqual([-1, 0]);
  });

  it('takes the best-overlapping free label', () => {
    // The prediction overlaps label 0 by IoU 0.6 and label 1 by IoU 1.
    const labels = [label(1, 0, 4), label(1, 0, 0)];
    const m = matchImage(labels, [pred(1, 0.9, 0, 0)]);
    expect(m.labelOf).toEqual([1]);
    expect(m.missed).toEqual([0]);
  });

  it('never matches across classes', () => {
    const m = matchImage([label(1, 0, 0)], [pred(2, 0.9, 0, 0)]);
    expect(m.truePositives).toEqual([]);
    expect(m.falsePositives).toEqual([0]);
    expect(m.missed).toEqual([0]);
  });

  it('needs IoU ≥ 0.5 by default, and another threshold when asked', () => {
    // 10×10 against 10×5 inside it: IoU 0.5 exactly.
    const labels = [label(1, 0, 0)];
    const preds = [pred(1, 0.9, 0, 0, 10, 5)];
    expect(matchImage(labels, preds).truePositives).toEqual([0]);
    expect(matchImage(labels, preds, { iouThreshold: 0.75 }).falsePositives).toEqual([0]);
    expect(() => matchImage(labels, preds, { iouThreshold: 0 })).toThrow(/iouThreshold/);
  });

  it('leaves predictions below the score threshold out of every list', () => {
    const labels = [label(1, 0, 0)];
    const preds = [pred(1, 0.2, 0, 0), pred(1, 0.4, 50, 50)];
    const m = matchImage(labels, preds, { minScore: 0.3 });
    expect(m.truePositives).toEqual([]);
    expect(m.falsePositives).toEqual([1]);
    expect(m.missed).toEqual([0]);
    expect(m.labelOf).toEqual([-1, -1]);
  });

  it('handles an image without labels or without predictions', () => {
    expect(matchImage([], [pred(1, 0.9, 0, 0)])).toMatchObject({ falsePositives: [0], missed: [] });
    expect(matchImage([label(1, 0, 0)], [])).toMatchObject({ truePositives: [], missed: [0] });
  });

  it('breaks equal scores by input order', () => {
    const m = matchImage([label(1, 0, 0)], [pred(1, 0.5, 0, 0, 10, 8), pred(1, 0.5, 0, 0)]);
    expect(m.truePositives).toEqual([0]);
    expect(m.falsePositives).toEqual([1]);
  });
});
