import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_KEYS } from '../../src-main/eval';
import { copyFixture } from './support/harness';
import { builtCliWithTrainer, readRuns, queryProject, runCli, TINY } from './support/trainCli';

// `dw-studio train`, `eval` and `predict` as a user runs them: the built bin, which forks the built
// trainer, on a real project (the cards fixture: 7 train images, 1 val image, 6 classes).
let bin = '';
let tmp = '';
let project = '';
const cli = (...args: string[]) => runCli(bin, path.join(tmp, 'home'), args);

const query = <T>(sql: string): T[] => queryProject<T>(project, sql);

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-train-cli-'));
  const data = copyFixture('cards', tmp);
  project = path.join(tmp, 'cards.dwproj');
  expect(cli('import', project, '-f', 'coco', path.join(data, 'annotations.json')).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dw-studio train / eval / predict', () => {
  it('trains a short run: prints the plan and its reasons, the settings, and the final AP and model', () => {
    const r = cli('train', project, ...TINY, '--steps', '6');
    expect(r.stderr).not.toContain('dw-studio:');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Project ${project}: 7 training images, 1 validation image`);
    expect(lines[1]).toMatch(/^Compute: .+ \((tensorflow-gpu|tensorflow|wasm|cpu)\)$/);
    const plan = lines.indexOf('Plan:');
    expect(plan).toBeGreaterThan(1);
    // The plan's reasons: the network for this machine, the budget, the assigner.
    expect(lines[plan + 1]).toMatch(/network at \d+ px/);
    expect(lines.slice(plan + 1).join('\n')).toContain('DW label assignment');
    // At 64 px the plan turns box refinement off, and says so.
    expect(lines.slice(plan + 1).join('\n')).toContain('Box refinement is off at 64 px');
    // The settings: the plan's own choices (checkpoints, validation points within a twentieth of the
    // run, the seed) and the command line's, marked with their flags.
    expect(lines).toContain(
      'Settings: DW without box refinement · small network · from scratch · 64 px (--size) · batch 1 (--batch) · 6 steps (--steps) · ' +
        'lr 0.01 · warmup 0 steps (--warmup) · checkpoint every 200 steps · validation at a few points and at the end · seed 0',
    );
    expect(lines).toContain('Run 1 started.');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Validation at step 6 \(1 validation image\): AP [\d.]+ · AP50 [\d.]+ · AP75 [\d.]+$/,
      ),
    );
    expect(lines.at(-2)).toMatch(/^Run 1 finished: 6 steps in \d+s, [\d.]+ images\/s on .+\.$/);
    expect(lines.at(-1)).toMatch(/^AP \d\.\d{3} · AP50 \d\.\d{3} on 1 validation image · model 1$/);
    // Progress goes to stderr; without a terminal, as plain lines with the loss terms.
    expect(r.stderr).toMatch(
      /^Training step 6\/6 \| ETA 0s \| [\d.]+ img\/s on [^|]+ \| clsPos [\d.e-]+ · loc [\d.e-]+ · clsNeg [\d.e-]+ · total [\d.e-]+$/m,
    );

    const [run] = readRuns(project);
    expect(run).toMatchObject({ id: 1, status: 'done', error: null });
    expect(run!.steps[0]).toBe(1);
    expect(run!.steps.at(-1)).toBe(6);
    expect(query('SELECT id, run_id AS runId FROM models')).toEqual([{ id: 1, runId: 1 }]);

    // The run's record: its configuration, the frozen dataset's hash, the backend, timings and metrics.
    const [row] = query<Record<string, string | null>>(
      'SELECT config, snapshot_hash, backend, started_at, finished_at, summary FROM runs WHERE id = 1',
    );
    expect(JSON.parse(row!.config!)).toMatchObject({ assigner: 'dw', size: 64, batchSize: 1, maxSteps: 6 });
    expect(row!.snapshot_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.backend).toMatch(/^(tensorflow-gpu|tensorflow|wasm|cpu)$/);
    const started = Date.parse(row!.started_at!);
    expect(Date.parse(row!.finished_at!)).toBeGreaterThanOrEqual(started);
    expect(JSON.parse(row!.summary!)).toMatchObject({
      backend: row!.backend,
      device: expect.any(String),
      trainImages: 7,
      valImages: 1,
      steps: 6,
      totalSteps: 6,
      durationSec: expect.any(Number),
      AP: expect.any(Number),
      skippedImages: [],
    });
    const metrics = query<{ step: number; metrics: string }>(
      'SELECT step, metrics FROM run_metrics WHERE run_id = 1 ORDER BY step',
    );
    const steps = metrics.map(
      (m) => JSON.parse(m.metrics) as { type: string; metrics?: object; summary?: object },
    );
    // Loss terms are averaged over reporting windows: the first step, increasing, the last.
    const reported = steps.filter((m) => m.type === 'step').map((m) => (m.metrics as { step: number }).step);
    expect(reported[0]).toBe(1);
    expect(reported.at(-1)).toBe(6);
    expect(reported.every((st, k) => k === 0 || st > reported[k - 1]!)).toBe(true);
    expect(steps[0]!.metrics).toMatchObject({
      lr: expect.any(Number),
      losses: { clsPos: expect.any(Number), loc: expect.any(Number), clsNeg: expect.any(Number) },
    });
    // Validation: a few points on the way (here the one validation image each time), and the final one.
    const evals = steps
      .filter((m) => m.type === 'eval')
      .map((m) => m.summary as { step: number; images: number });
    expect(evals.at(-1)).toEqual(expect.objectContaining({ step: 6, AP: expect.any(Number), images: 1 }));
    expect(evals.length).toBeGreaterThanOrEqual(2);
    expect(evals.every((e, k) => k === 0 || e.step > evals[k - 1]!.step)).toBe(true);
  });

  it('eval prints the 12 COCO numbers and per-class AP, and the same as JSON', () => {
    const text = cli('eval', project);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^Model 1 \(Run 1 · DW\) on 1 labeled val image, 2 boxes:$/);
    const stats = lines.slice(1, 13);
    expect(stats.map((l) => l.split(' ')[0])).toEqual([...SUMMARY_KEYS]);
    for (const l of stats) expect(l).toMatch(/\] = (-1|0|1)\.\d{3}$/);
    // pycocotools' summary lines, each led by its key.
    expect(
      stats[1]!.startsWith('AP50  Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = '),
    ).toBe(true);
    expect(
      stats[10]!.startsWith(
        'ARm   Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = ',
      ),
    ).toBe(true);
    expect(lines[14]).toBe('class  boxes     AP   AP50');
    expect(lines.slice(15).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['nine', '1'],
      ['ten', '0'],
      ['jack', '0'],
      ['queen', '1'],
      ['king', '0'],
      ['ace', '0'],
    ]);

    const json = cli('eval', project, '--json');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as {
      model: { id: number };
      split: string;
      images: number;
      stats: Record<string, number>;
      perClass: { name: string; gt: number; AP: number; AP50: number }[];
    };
    expect(out).toMatchObject({ model: { id: 1 }, split: 'val', images: 1 });
    expect(Object.keys(out.stats)).toEqual([...SUMMARY_KEYS]);
    // The JSON and the table are the same numbers.
    SUMMARY_KEYS.forEach((k, i) => expect(stats[i]!.endsWith(`= ${out.stats[k]!.toFixed(3)}`)).toBe(true));
    expect(out.perClass.map((c) => [c.name, c.gt])).toEqual([
      ['nine', 1],
      ['ten', 0],
      ['jack', 0],
      ['queen', 1],
      ['king', 0],
      ['ace', 0],
    ]);
    // A class without labeled boxes has no AP (-1), as in pycocotools.
    expect(out.perClass[1]).toMatchObject({ AP: -1, AP50: -1 });

    const all = JSON.parse(cli('eval', project, '--split', 'all', '--json').stdout) as { images: number };
    expect(all.images).toBe(8);
  });

  it('predict stores detections in the project and writes them as COCO results with real ids', () => {
    const out = path.join(tmp, 'results.json');
    const r = cli('predict', project, '--images', 'all', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [first, second] = r.stdout.split('\n');
    const stored = Number(
      /^Predicted 8 images with model 1 \(Run 1 · DW\): (\d+) detections? stored as suggestions\.$/.exec(
        first!,
      )?.[1],
    );
    expect(second).toBe(`Wrote ${stored} detections of model 1 to ${out} (COCO results).`);

    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      image_id: number;
      category_id: number;
      bbox: number[];
      score: number;
    }[];
    // A few steps already lift some scores over the 0.05 the predictions keep.
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBe(stored);
    const imageIds = new Set(query<{ id: number }>('SELECT id FROM images').map((r) => r.id));
    const classIds = new Set(query<{ id: number }>('SELECT id FROM classes').map((r) => r.id));
    for (const d of results) {
      expect(imageIds.has(d.image_id)).toBe(true);
      expect(classIds.has(d.category_id)).toBe(true);
      expect(d.bbox).toHaveLength(4);
      expect(d.bbox.every(Number.isFinite)).toBe(true);
      expect(d.bbox[2]! > 0 && d.bbox[3]! > 0).toBe(true);
      expect(d.score).toBeGreaterThanOrEqual(0.05);
      expect(d.score).toBeLessThanOrEqual(1);
    }
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM predictions WHERE model_id = 1')[0]!.n).toBe(
      stored,
    );

    const some = cli('predict', project, '--ids', '2,3');
    expect(some.code).toBe(0);
    expect(some.stdout).toMatch(/^Predicted 2 selected images with model 1 /);
    expect(cli('predict', project).stdout).toBe('No unlabeled images to predict.');
  });

  it('refuses bad input with one line on stderr and exit code 1', () => {
    const missing = path.join(tmp, 'nope.dwproj');
    const refused = (args: string[], message: string) => {
      const r = cli(...args);
      expect(r, args.join(' ')).toEqual({ code: 1, stdout: '', stderr: `dw-studio: ${message}` });
    };
    refused(['train', missing, '--steps', '2'], `No project file at ${missing}`);
    refused(['eval', missing], `No project file at ${missing}`);
    refused(['predict', missing], `No project file at ${missing}`);
    refused(['eval', project, '--model', '99'], 'Model 99 does not exist (models: 1)');
    refused(
      ['predict', project, '--model', '99', '--out', path.join(tmp, 'x.json')],
      'Model 99 does not exist (models: 1)',
    );
    refused(
      ['train', project, '--epochs', '2', '--minutes', '5'],
      '--epochs and --minutes cannot be used together: give one budget',
    );
    refused(['train', project, '--size', '100'], '--size: Invalid number: must be a multiple of 32');
    refused(
      ['train', project, '--resume', '--batch', '2'],
      '--resume continues a run with its own settings: leave out --batch',
    );
    refused(
      ['train', project, '--resume'],
      `${project} has no stopped run to resume; start one with: dw-studio train ${project}`,
    );
    refused(['train', project, '--resume', '1'], 'Run 1 has finished; start a new run instead.');
    expect(readRuns(project).map((r) => r.status)).toEqual(['done']);
  });
});
