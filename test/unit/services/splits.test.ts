import { describe, expect, it } from 'vitest';
import { assignSplits, defaultSplit, splitKey } from '../../../src-main/services/splits';

const images = Array.from({ length: 1000 }, (_, i) => ({
  id: i + 1,
  sha256: i.toString(16).padStart(64, 'a'),
}));

describe('split assignment', () => {
  it('is fixed by content and seed: the same on every run, different for another seed', () => {
    expect(splitKey(images[0]!.sha256, 0)).toBe(splitKey(images[0]!.sha256, 0));
    expect(assignSplits(images, 7, 0.2)).toEqual(assignSplits(images, 7, 0.2));
    const a = assignSplits(images, 1, 0.2).map((s) => s.split);
    const b = assignSplits(images, 2, 0.2).map((s) => s.split);
    expect(a).not.toEqual(b);
  });

  it('puts exactly round(n × fraction) images in val, small projects included', () => {
    expect(assignSplits(images, 0, 0.2).filter((s) => s.split === 'val')).toHaveLength(200);
    expect(assignSplits(images.slice(0, 7), 0, 0.2).filter((s) => s.split === 'val')).toHaveLength(1);
    expect(assignSplits(images, 0, 0).every((s) => s.split === 'train')).toBe(true);
  });

  it('gives new images val with about the fraction asked, agreeing with a full assignment', () => {
    const val = images.filter((img) => defaultSplit(img.sha256, 3, 0.2) === 'val').length;
    expect(val).toBeGreaterThan(160);
    expect(val).toBeLessThan(240);
    const full = new Map(assignSplits(images, 3, 0.2).map((s) => [s.id, s.split]));
    const agree = images.filter((img) => defaultSplit(img.sha256, 3, 0.2) === full.get(img.id)).length;
    expect(agree / images.length).toBeGreaterThan(0.95);
  });
});
