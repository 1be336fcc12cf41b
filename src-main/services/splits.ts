import { createHash } from 'node:crypto';
import type { Split } from '../shared/api/project';

export const DEFAULT_VAL_FRACTION = 0.2;

/** A number in [0, 1) fixed by the image content and the seed: the same image lands the same way on any machine. */
export function splitKey(sha256: string, seed: number): number {
  const h = createHash('sha256').update(`${seed}:${sha256}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** The split of a newly added image: val with probability `valFraction`. */
export function defaultSplit(sha256: string, seed: number, valFraction: number): Split {
  return splitKey(sha256, seed) < valFraction ? 'val' : 'train';
}

/**
 * A fresh assignment of every image: exactly round(n × valFraction) images go to val, those with the
 * smallest keys, so small projects get their share too and the choice agrees with `defaultSplit`.
 */
export function assignSplits(
  images: readonly { id: number; sha256: string }[],
  seed: number,
  valFraction: number,
): { id: number; split: Split }[] {
  const keyed = images.map((img) => ({ id: img.id, key: splitKey(img.sha256, seed) }));
  const valCount = Math.round(images.length * valFraction);
  const val = new Set(
    [...keyed]
      .sort((a, b) => a.key - b.key || a.id - b.id)
      .slice(0, valCount)
      .map((k) => k.id),
  );
  return keyed.map((k) => ({ id: k.id, split: val.has(k.id) ? 'val' : 'train' }));
}
