import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `dw-studio coco-eval` run as a user runs it: the built bin, a fresh process, stdout and exit code.
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/dw-studio.cjs');
const CLI_BUNDLE = path.join(ROOT, 'dist/main/cli.cjs');
const CASES = path.join(ROOT, 'test/fixtures/evalcases');
let tmp = '';

function newestSource(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs;
    }),
  );
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'coco-eval', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

beforeAll(() => {
  // `npm test` builds first; a direct vitest run rebuilds here when the bundle is older than the source.
  const stale = (() => {
    try {
      return statSync(CLI_BUNDLE).mtimeMs < newestSource(path.join(ROOT, 'src-main'));
    } catch {
      return true;
    }
  })();
  if (stale)
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-coco-eval-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('dw-studio coco-eval', () => {
  const expected = JSON.parse(readFileSync(path.join(CASES, 'case1_expected.json'), 'utf8')) as {
    stats_names: string[];
    stats: number[];
    per_class_AP: Record<string, number>;
  };

  it('prints the 12 COCO numbers as JSON, named as pycocotools summarizes them', () => {
    const r = cli(path.join(CASES, 'case1_gt.json'), path.join(CASES, 'case1_dets.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(out)).toEqual(expected.stats_names);
    expected.stats_names.forEach((key, i) => {
      expect(Math.abs(out[key]! - expected.stats[i]!), key).toBeLessThanOrEqual(1e-4);
    });
  });

  it('adds AP and AP50 per category with --per-class', () => {
    const r = cli(path.join(CASES, 'case1_gt.json'), path.join(CASES, 'case1_dets.json'), '--per-class');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      perClass: { id: number; name: string; AP: number; AP50: number }[];
    };
    expect(out.perClass.map((c) => [c.id, c.name])).toEqual([
      [1, 'RBC'],
      [2, 'WBC'],
      [3, 'Platelets'],
    ]);
    for (const c of out.perClass) {
      expect(Math.abs(c.AP - expected.per_class_AP[c.name]!), c.name).toBeLessThanOrEqual(1e-4);
      expect(c.AP50).toBeGreaterThanOrEqual(c.AP);
    }
  });

  it('refuses a truncated file with one line and exit code 1', () => {
    const text = readFileSync(path.join(CASES, 'case1_dets.json'), 'utf8');
    const truncated = path.join(tmp, 'truncated.json');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    const r = cli(path.join(CASES, 'case1_gt.json'), truncated);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dw-studio: .*truncated\.json is not valid JSON: /);
  });

  it('refuses a missing file and a field of the wrong type, naming them', () => {
    const missing = cli(path.join(tmp, 'nope.json'), path.join(CASES, 'case1_dets.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^dw-studio: cannot read .*nope\.json: no such file$/);

    const wrong = path.join(tmp, 'wrong.json');
    writeFileSync(wrong, JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: '0.9' }]));
    const r = cli(path.join(CASES, 'case1_gt.json'), wrong);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dw-studio: .*wrong\.json: detections\[0\]\.score must be a number, got string "0\.9"$/,
    );
  });
});
