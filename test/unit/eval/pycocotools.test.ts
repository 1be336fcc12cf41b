import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCoco, SUMMARY_KEYS, type SummaryKey } from '../../../src-main/eval';

// Golden cases: BCCD val with synthetic detections, scored by pycocotools 2.0.11 (caseN_expected.json).
const DIR = path.resolve(__dirname, '../../fixtures/evalcases');
const TOLERANCE = 1e-4;

interface Expected {
  stats_names: SummaryKey[];
  stats: number[];
  per_class_AP: Record<string, number>;
}

function load(name: string): unknown {
  return JSON.parse(readFileSync(path.join(DIR, name), 'utf8'));
}

function runCase(n: number) {
  const expected = load(`case${n}_expected.json`) as Expected;
  const started = performance.now();
  const report = evaluateCoco(load(`case${n}_gt.json`), load(`case${n}_dets.json`));
  const ms = performance.now() - started;
  const diffs = expected.stats_names.map((key, i) => ({
    key,
    ours: report.summary[key],
    theirs: expected.stats[i]!,
    diff: Math.abs(report.summary[key] - expected.stats[i]!),
  }));
  const perClass = report.categories.map((c, k) => ({
    key: c.name,
    ours: report.perClass[k]!.AP,
    theirs: expected.per_class_AP[c.name]!,
    diff: Math.abs(report.perClass[k]!.AP - expected.per_class_AP[c.name]!),
  }));
  return { diffs, perClass, ms };
}

describe('COCO evaluation against pycocotools', () => {
  for (const n of [1, 2, 3]) {
    const { diffs, perClass, ms } = runCase(n);
    const worst = Math.max(...diffs.map((d) => d.diff), ...perClass.map((d) => d.diff));

    it(`case ${n}: 12 numbers and per-class AP within 1e-4 (worst |diff| ${worst.toExponential(2)}, ${ms.toFixed(0)} ms)`, () => {
      expect(diffs.map((d) => d.key)).toEqual([...SUMMARY_KEYS]);
      for (const d of [...diffs, ...perClass]) {
        expect(d.diff, `${d.key}: ${d.ours} vs pycocotools ${d.theirs}`).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
