// One click starts from ImageNet weights, end to end: the plan finds a MobileNetV2 weights file that is
// not here but can be fetched (from a server on 127.0.0.1 standing in for download.pytorch.org), the
// run downloads it with progress, checks its SHA-256, fine-tunes with the stem and first stage frozen,
// and records the weights by name and hash; `--like` reproduces the run from that record; offline and
// without the file, the plan trains from scratch and says why.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirFor } from '../../src-main/services/projectPaths';
import type { StateTensor } from '../../src-main/shared/stateDict';
import {
  depthwiseToHwcm,
  oihwToHwio,
  torchvisionMobileNetV2Name,
} from '../../src-main/detector/torchvisionWeights';
import { loadModel } from '../../src-main/trainer/checkpoint';
import { modelDirOf, runDirOf } from '../../src-main/training/runFiles';
import { writeTorchStateDict } from '../../src-main/weights/torchFile';
import { formulaState, reference } from '../unit/detector/torchvisionFixture';
import { copyFixture } from './support/harness';
import { serveFiles, sha256, testWeights, writeCatalog, type FileServer } from './support/testWeights';
import { builtCliWithTrainer, readRuns, runCli, startCli, TINY } from './support/trainCli';

/** torchvision's mobilenet_v2().state_dict(), its real keys and shapes with deterministic values. */
const mobilenetV2State = (): Map<string, StateTensor> => formulaState(reference().models.mobilenet_v2);

let bin = '';
let tmp = '';
let project = '';
let server: FileServer;
let weightsFile = '';
let env: NodeJS.ProcessEnv = {};
const home = () => path.join(tmp, 'home');

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-train-pretrained-'));
  const data = copyFixture('cards', tmp);
  project = path.join(tmp, 'cards.dwproj');
  expect(
    runCli(bin, home(), ['import', project, '-f', 'coco', path.join(data, 'annotations.json')]).code,
  ).toBe(0);

  const state = mobilenetV2State();
  const bytes = writeTorchStateDict(state);
  weightsFile = path.join(tmp, 'mnv2-test.pth');
  writeFileSync(weightsFile, bytes);
  const entry = testWeights('mobilenet_v2-test', bytes, {
    preset: 'mobilenet_v2',
    title: 'MobileNetV2 (test weights)',
    fileName: 'mnv2-test.pth',
    url: 'https://download.pytorch.org/models/mnv2-test.pth',
  });
  server = await serveFiles(new Map([['/mnv2-test.pth', bytes]]));
  env = { DW_STUDIO_WEIGHTS_CATALOG: writeCatalog(tmp, [entry]), DW_STUDIO_WEIGHTS_MIRROR: server.base };
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The parameters a run's final model holds, by name. */
function modelParams(runId: number): Map<string, Float32Array> {
  const { weights } = loadModel(modelDirOf(runDirOf(dataDirFor(project), runId)));
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const spec of weights.specs) {
    expect(spec.dtype).toBe('float32');
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, new Float32Array(weights.data.slice(at, at + 4 * n)));
    at += 4 * n;
  }
  expect(at).toBe(weights.data.byteLength);
  return out;
}

function runConfig(runId: number): { weights: unknown; seed: number; preset: string; lr: number } {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    const { config } = db.prepare('SELECT config FROM runs WHERE id = ?').get(runId) as { config: string };
    return JSON.parse(config) as { weights: unknown; seed: number; preset: string; lr: number };
  } finally {
    db.close();
  }
}

const ARGS = [...TINY, '--steps', '3', '--workers', '1'];

describe('training from ImageNet weights', () => {
  it('downloads the weights on first use, fine-tunes with the frozen parts unchanged, and records them', async () => {
    const run = startCli(bin, home(), ['train', project, ...ARGS], false, env);
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Starts from the MobileNetV2 (test weights) weights');
    expect(r.stdout).toContain(`downloaded first (`);
    expect(r.stdout).toMatch(/^Downloaded the mobilenet_v2-test weights \([\d.]+ MB\), SHA-256 checked\.$/m);
    expect(r.stdout).toMatch(/^Run 1 finished: 3 steps/m);
    expect(server.requests).toContainEqual({ method: 'GET', path: '/mnv2-test.pth', range: undefined });

    const hash = sha256(readFileSync(weightsFile));
    expect(runConfig(1)).toMatchObject({
      preset: 'mobilenet_v2',
      weights: { id: 'mobilenet_v2-test', sha256: hash },
      lr: 0.01 / 16,
    });
    const list = runCli(bin, home(), ['weights', 'list', '--json'], env);
    expect((JSON.parse(list.stdout) as { weights: unknown[] }).weights).toEqual([
      expect.objectContaining({ id: 'mobilenet_v2-test', state: 'cached' }),
    ]);

    // The stem and first stage (features.0, .1) and every BatchNorm statistic hold the file's values
    // after the steps, bit for bit; the later layers, FPN and head have moved.
    const state = mobilenetV2State();
    const params = modelParams(1);
    const fromFile = new Map<string, Float32Array>();
    for (const [key, t] of state) {
      const name = torchvisionMobileNetV2Name(key);
      if (!name) continue;
      const v =
        t.shape.length === 4 ? (t.shape[1] === 1 ? depthwiseToHwcm(t, t.shape[0]!) : oihwToHwio(t)) : t;
      fromFile.set(name, v.data);
    }
    const kept = [...params.keys()].filter(
      (n) =>
        /^backbone\/(stem|features1)\//.test(n) ||
        (/\/(mean|variance)$/.test(n) && n.startsWith('backbone/')),
    );
    expect(kept.length).toBeGreaterThan(100);
    for (const n of kept) expect(params.get(n), n).toEqual(fromFile.get(n));
    const moved = (n: string) => params.get(n)!.some((v, i) => v !== fromFile.get(n)![i]);
    expect(moved('backbone/features17/project/conv/kernel')).toBe(true);
    expect(moved('backbone/features4/dw/norm/gamma')).toBe(true);
    expect(r.stdout).not.toContain('from scratch');
  }, 240_000);

  it('a new run with --like reproduces the recorded run exactly', async () => {
    const r = await startCli(bin, home(), ['train', project, '--like', '1'], false, env).exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already in the weights folder');
    expect(runConfig(2)).toEqual(runConfig(1));
    const a = modelParams(1);
    const b = modelParams(2);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, values] of a) expect(b.get(name), name).toEqual(values);
  }, 240_000);

  it('--like of a run with a time budget takes the steps that budget gave, so it reproduces it too', async () => {
    const budget = await startCli(
      bin,
      home(),
      ['train', project, ...TINY, '--minutes', '0.1', '--workers', '1'],
      false,
      env,
    ).exited;
    expect(budget.code).toBe(0);
    const steps = readRuns(project)
      .find((r) => r.id === 3)!
      .steps.at(-1)!;
    expect(steps).toBeGreaterThan(3);
    const r = await startCli(bin, home(), ['train', project, '--like', '3'], false, env).exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Run 3 spent its 0.1-minute budget in ${steps} steps: this run takes the same ${steps} steps.`,
    );
    expect(runConfig(4)).toEqual({ ...runConfig(3), minutes: null, maxSteps: steps });
    const a = modelParams(3);
    const b = modelParams(4);
    for (const [name, values] of a) expect(b.get(name), name).toEqual(values);
  }, 240_000);

  it('offline and without the file: trains from scratch and says where to get the weights', () => {
    const offline = { ...env, DW_STUDIO_WEIGHTS_MIRROR: 'http://127.0.0.1:9/' };
    const r = runCli(
      bin,
      path.join(tmp, 'home-offline'),
      ['train', project, ...TINY, '--steps', '1'],
      offline,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Trains from scratch: the MobileNetV2 (test weights) weights are not here and cannot be downloaded',
    );
    expect(r.stdout).toContain('Import weights file');
    expect(r.stdout).toMatch(/small network/);
  }, 240_000);
});
