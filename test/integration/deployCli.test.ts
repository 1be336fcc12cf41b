// Beyond the app, as a user runs it: a trained model's detections written as COCO results and read
// back as a model score the same in `dw-studio eval` (also through an exported dataset's own ids), and
// the model exported for JavaScript finds, in a plain Node program, the boxes `dw-studio predict` found.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalOutput } from '../../src-main/cli/evalCommand';
import { builtDeployModule, ROOT } from './support/bundle';
import { copyFixture } from './support/harness';
import { builtCliWithTrainer, queryProject, runCli } from './support/trainCli';

interface Result {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

let bin = '';
let tmp = '';
let project = '';
let results: Result[] = [];
const resultsFile = () => path.join(tmp, 'results.json');
// The model's JavaScript is run the way its user would, by plain Node: bare imports of TensorFlow.js
// and sharp resolve from this repository's node_modules, so the folder sits below it.
const consumerDir = path.join(ROOT, 'node_modules', '.cache', 'dw-studio-tests', `deploy-${process.pid}`);
const cli = (...args: string[]) => runCli(bin, path.join(tmp, 'home'), args);

const query = <T>(sql: string): T[] => queryProject<T>(project, sql);

function evalJson(...args: string[]): EvalOutput {
  const r = cli('eval', project, '--split', 'all', '--json', ...args);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as EvalOutput;
}

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  await builtDeployModule();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-deploy-'));
  const data = copyFixture('cards', tmp);
  project = path.join(tmp, 'cards.dwproj');
  expect(cli('import', project, '-f', 'coco', path.join(data, 'annotations.json')).code).toBe(0);
  // 96 px: portrait cards are fed as 96 × 72 inputs, landscape ones as 54 × 96, so images of both
  // kinds predicted together must each keep their own canvas (see the export-model test).
  const trained = cli('train', project, '--size', '96', '--batch', '1', '--warmup', '0', '--steps', '6');
  expect(trained.stderr).not.toContain('dw-studio:');
  expect(trained.code).toBe(0);
  expect(cli('predict', project, '--images', 'all', '--out', resultsFile()).code).toBe(0);
  results = JSON.parse(readFileSync(resultsFile(), 'utf8')) as Result[];
  // Six steps lift some scores over the 0.05 kept.
  expect(results.length).toBeGreaterThan(0);
}, 240_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(consumerDir, { recursive: true, force: true });
});

describe('dw-studio import-predictions', () => {
  it('reads predict --out back as a model that scores the same in eval', () => {
    const own = evalJson('--model', '1');
    const r = cli('import-predictions', project, resultsFile(), '--name', 'round trip');
    expect(r).toEqual({
      code: 0,
      stdout: [
        `Imported ${results.length} detections as model 2 (round trip) of ${project}.`,
        'Images: 8 of the project.',
        `Review it in the app, or score it: dw-studio eval ${project} --model 2`,
      ].join('\n'),
      stderr: '',
    });
    const back = evalJson('--model', '2');
    expect(back.model).toEqual({ id: 2, name: 'round trip' });
    expect(back.images).toBe(own.images);
    expect(back.stats).toEqual(own.stats);
    expect(back.perClass).toEqual(own.perClass);
    // Nothing was predicted for the imported model: it has no network, only its file's detections.
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM predictions WHERE model_id = 2')[0]!.n).toBe(
      results.length,
    );
  });

  it('matches an exported dataset’s ids by file name, as results made on a cluster would use them', () => {
    const own = evalJson('--model', '1');
    const out = path.join(tmp, 'coco-export');
    expect(cli('export', project, '-f', 'coco', out).code).toBe(0);
    const coco = JSON.parse(readFileSync(path.join(out, 'annotations.json'), 'utf8')) as {
      images: { id: number; file_name: string }[];
      categories: { id: number; name: string }[];
    };
    const exportedId = new Map(coco.images.map((im) => [im.file_name, im.id]));
    const category = new Map(coco.categories.map((c) => [c.name, c.id]));
    const imageName = new Map(
      query<{ id: number; name: string }>('SELECT id, file_name AS name FROM images').map((r) => [
        r.id,
        r.name,
      ]),
    );
    const className = new Map(
      query<{ id: number; name: string }>('SELECT id, name FROM classes').map((r) => [r.id, r.name]),
    );
    const theirs = results.map((d) => ({
      ...d,
      image_id: exportedId.get(imageName.get(d.image_id)!)!,
      category_id: category.get(className.get(d.category_id)!)!,
    }));
    const file = path.join(tmp, 'cluster.bbox.json');
    writeFileSync(file, JSON.stringify(theirs));
    const r = cli('import-predictions', project, file, '--images', path.join(out, 'annotations.json'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `Imported ${results.length} detections as model 3 (cluster.bbox.json) of ${project}.`,
      'Images: 8 of 8 matched by file name, 0 not found in the project.',
    ]);
    const back = evalJson('--model', '3');
    expect(back.stats).toEqual(own.stats);
    expect(back.perClass).toEqual(own.perClass);
  });

  it('refuses a bad results file in one line naming it, and adds no model', () => {
    const models = query('SELECT id FROM models').length;
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ image_id: 1, category_id: 1, bbox: [0, 0, 5], score: 0.5 }]));
    expect(cli('import-predictions', project, bad)).toEqual({
      code: 1,
      stdout: '',
      stderr: `dw-studio: ${bad}: [0].bbox: expected [x, y, width, height] as 4 numbers, got a list of 3`,
    });
    expect(query('SELECT id FROM models').length).toBe(models);
  });
});

describe('dw-studio export-model', () => {
  it('writes TF.js weights, the settings and a module that finds what predict found, to 1e-4', () => {
    const dir = path.join(consumerDir, 'model');
    mkdirSync(consumerDir, { recursive: true });
    const r = cli('export-model', project, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Exported model 1 \\(Run 1 · DW\\) to ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ files, [\\d.]+ MB; 6 classes, 96 px input\\.\\n`,
      ),
    );
    const files = readdirSync(dir).sort();
    const shards = files.filter((f) => /^group1-shard\d+of\d+\.bin$/.test(f));
    expect(files).toEqual(['README.md', 'detector.json', 'detector.mjs', ...shards, 'model.json'].sort());

    // model.json: a standard weightsManifest whose shards hold every weight, and the network's definition.
    const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      userDefinedMetadata: { network: { inputSize: number; numClasses: number; assigner: string } };
    };
    expect(model.format).toBe('dw-studio-detector');
    const [group] = model.weightsManifest;
    const weightBytes = group!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    expect(group!.weights.every((w) => w.dtype === 'float32')).toBe(true);
    // Shards of 4 MB, as tfjs-converter cuts them, listed in order.
    expect(group!.paths).toEqual(shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`));
    expect(shards.length).toBe(Math.ceil(weightBytes / 2 ** 22));
    expect(group!.paths.reduce((n, p) => n + statSync(path.join(dir, p)).size, 0)).toBe(weightBytes);
    expect(model.userDefinedMetadata.network).toMatchObject({ inputSize: 96, numClasses: 6, assigner: 'dw' });
    const settings = JSON.parse(readFileSync(path.join(dir, 'detector.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(settings).toMatchObject({
      name: 'Run 1 · DW',
      classes: ['nine', 'ten', 'jack', 'queen', 'king', 'ace'],
      input: {
        size: 96,
        padToMultipleOf: 32,
        channels: 'RGB',
        mean: [123.675, 116.28, 103.53],
        std: [58.395, 57.12, 57.375],
      },
      output: { scoreRule: 'dw', scoreThreshold: 0.05, nmsPre: 1000, nmsIou: 0.6, maxPerImage: 100 },
    });
    // The module depends on TensorFlow.js core alone.
    const imports = [
      ...readFileSync(path.join(dir, 'detector.mjs'), 'utf8').matchAll(
        /^\s*(?:import|export)\b[^;]*?from\s*["']([^"']+)["']/gm,
      ),
    ].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['@tensorflow/tfjs-core']));

    // Images 6 (portrait) and 7 (landscape) predicted as one request: each is padded to its own canvas,
    // so the boxes the app stores for them are the boxes of each image alone, as the module finds them.
    const pairFile = path.join(tmp, 'pair.json');
    expect(cli('predict', project, '--ids', '6,7', '--out', pairFile).code).toBe(0);
    const stored = JSON.parse(readFileSync(pairFile, 'utf8')) as Result[];

    // A Node program, as the README writes it: sharp decodes, the WebAssembly backend runs.
    const images = query<{ id: number; path: string }>('SELECT id, path FROM images ORDER BY id').map(
      (im) => ({
        id: im.id,
        file: path.resolve(path.dirname(project), im.path),
      }),
    );
    const program = path.join(consumerDir, 'use-model.mjs');
    writeFileSync(program, USE_MODEL);
    const run = spawnSync(process.execPath, [program, dir, ...images.map((im) => im.file)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const found = JSON.parse(run.stdout) as {
      backend: string;
      boxes: Record<
        string,
        { x: number; y: number; width: number; height: number; score: number; classIndex: number }[]
      >;
    };
    expect(found.backend).toBe('wasm');

    const classIds = query<{ id: number }>('SELECT id FROM classes ORDER BY id').map((c) => c.id);
    let compared = 0;
    for (const im of images) {
      const app = stored.filter((d) => d.image_id === im.id);
      // The app stores no box of zero width or height.
      const mine = found.boxes[im.file]!.filter((b) => b.width > 0 && b.height > 0);
      expect(mine.length, path.basename(im.file)).toBe(app.length);
      mine.forEach((b, k) => {
        const d = app[k]!;
        expect(classIds[b.classIndex]).toBe(d.category_id);
        for (const [v, w] of [
          [b.x, d.bbox[0]],
          [b.y, d.bbox[1]],
          [b.width, d.bbox[2]],
          [b.height, d.bbox[3]],
          [b.score, d.score],
        ] as const)
          expect(Math.abs(v - w), `${path.basename(im.file)} box ${k}`).toBeLessThanOrEqual(1e-4);
        compared++;
      });
    }
    expect(compared).toBe(stored.length);
    expect(stored.some((d) => d.image_id === 6) && stored.some((d) => d.image_id === 7)).toBe(true);
  });

  it('refuses an imported model (no network) and a folder that is not empty, in one line', () => {
    const refused = (args: string[], message: string) =>
      expect(cli('export-model', project, ...args)).toEqual({
        code: 1,
        stdout: '',
        stderr: `dw-studio: ${message}`,
      });
    refused(
      ['--model', '2', path.join(tmp, 'm2')],
      `Model 2 (round trip) holds the detections imported from ${resultsFile()}: it has no network to run`,
    );
    expect(existsSync(path.join(tmp, 'm2'))).toBe(false);
    const full = path.join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'x.txt'), 'x');
    refused([full], `${full} is not empty; choose a new or empty folder to export into`);
  });
});

/** The README's Node example, over the images named on the command line. */
const USE_MODEL = `
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';

const [dir, ...files] = process.argv.slice(2);
const { loadDetector } = await import(pathToFileURL(path.join(dir, 'detector.mjs')).href);
await tf.setBackend('wasm');
const detector = await loadDetector({ read: (name) => readFile(path.join(dir, name)) });
const boxes = {};
for (const file of files) {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb')
    .raw().toBuffer({ resolveWithObject: true });
  boxes[file] = await detector.detect({ data, width: info.width, height: info.height, channels: info.channels });
}
detector.dispose();
console.log(JSON.stringify({ backend: tf.getBackend(), boxes }));
`;
