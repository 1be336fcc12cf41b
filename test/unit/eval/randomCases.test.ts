import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCoco, SUMMARY_KEYS } from '../../../src-main/eval';

// Small random cases scored by pycocotools 2.0.11 (test/fixtures/evalcases/make_randomcases.py): crowd
// regions, tied scores and IoUs, area fields on the bucket edges, more than 100 detections per image and
// class. Summation order is the only expected difference, so the bound is far below the 1e-4 of the
// golden cases; the curves were stored rounded to 1e-12.
const TOLERANCE = 1e-9;

interface RandomCase {
  seed: number;
  gt: unknown;
  dets: unknown;
  expected: {
    stats: number[];
    perClass: { AP: number; AP50: number; precision50: number[]; precisionMean: number[] }[];
  };
}

const cases = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../fixtures/evalcases/randomcases.json'), 'utf8'),
) as RandomCase[];

describe('COCO evaluation against pycocotools on random edge cases', () => {
  for (const c of cases) {
    const report = evaluateCoco(c.gt, c.dets);
    const pairs: [string, number, number][] = SUMMARY_KEYS.map((k, i) => [
      k,
      report.summary[k],
      c.expected.stats[i]!,
    ]);
    report.perClass.forEach((ours, k) => {
      const theirs = c.expected.perClass[k]!;
      pairs.push(
        [`class ${ours.classId} AP`, ours.AP, theirs.AP],
        [`class ${ours.classId} AP50`, ours.AP50, theirs.AP50],
      );
      // pycocotools keeps -1 curves for a class without ground truth; ours is null.
      const p50 = ours.curve?.precision50 ?? new Array<number>(101).fill(-1);
      const pMean = ours.curve?.precisionMean ?? new Array<number>(101).fill(-1);
      p50.forEach((v, r) =>
        pairs.push([`class ${ours.classId} precision50[${r}]`, v, theirs.precision50[r]!]),
      );
      pMean.forEach((v, r) =>
        pairs.push([`class ${ours.classId} precisionMean[${r}]`, v, theirs.precisionMean[r]!]),
      );
    });
    const worst = Math.max(...pairs.map(([, a, b]) => Math.abs(a - b)));
    it(`seed ${c.seed}: summary, per-class AP and curves (worst |diff| ${worst.toExponential(1)})`, () => {
      for (const [name, ours, theirs] of pairs) {
        expect(Math.abs(ours - theirs), `${name}: ${ours} vs ${theirs}`).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }

  it('covers the cases it is meant to', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const crowds = cases.filter((c) => JSON.stringify(c.gt).includes('"iscrowd":1'));
    expect(crowds.length).toBe(cases.length);
  });
});
