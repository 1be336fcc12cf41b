import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkTrainer } from '../../src-main/training/forkTrainer';
import { copyFixture, expectSoundDatabase, snapshot, startServices, type Harness } from './support/harness';

// A training run whose trainer runs out of WebAssembly memory (the scripted trainer stands in for
// TensorFlow.js): the user reads why and what to do, and the app and the project go on.
const script = path.resolve(__dirname, '../fixtures/trainer/scripted-trainer.cjs');
let h: Harness;
let project = '';

beforeAll(async () => {
  h = startServices({
    spawnTrainer: forkTrainer(script, { SCRIPTED_BACKEND: 'wasm', SCRIPTED_MODE: 'wasm-oom' }),
  });
  project = (await h.call('project.create', { path: path.join(h.dir, 'oom.dwproj') })).path;
  const data = copyFixture('cards', h.dir);
  await h.call('dataset.import', { format: 'coco', path: path.join(data, 'annotations.json') });
});
afterAll(() => h.dispose());

async function ended(runId: number) {
  const until = Date.now() + 20_000;
  for (;;) {
    const e = h.eventsOf('train.state').find((s) => s.runId === runId && s.state !== 'running');
    if (e) return e;
    if (Date.now() > until) throw new Error(`run ${runId} did not end`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a training run that runs out of memory', () => {
  it('fails with a reason naming the backend and what to change; the labels, the database and the app carry on', async () => {
    const before = snapshot(project);
    const run = await h.call('train.start', { overrides: { size: 64, batchSize: 1, maxSteps: 10 } });
    const reason =
      'Training ran out of memory on the WebAssembly CPU backend, which can use at most 4 GB however much ' +
      'memory the computer has (RuntimeError: memory access out of bounds). Start a new run with a smaller ' +
      'input size, batch size or network preset (it had 64 px, batch 1, the small network).';
    expect(await ended(run.id)).toEqual({ runId: run.id, state: 'failed', message: reason });
    const [info] = await h.call('runs.list', {});
    expect(info).toMatchObject({ id: run.id, state: 'failed', error: reason, backend: 'wasm', steps: 2 });
    expect((await h.call('runs.metrics', { runId: run.id })).steps.map((s) => s.step)).toEqual([1, 2]);

    // Nothing the user made changed, and the file is sound.
    const { sequence, ...labels } = snapshot(project);
    const { sequence: sequenceBefore, ...labelsBefore } = before;
    expect(labels).toEqual(labelsBefore);
    // (The run's own row is the one new id.)
    expect(sequence).toEqual([...sequenceBefore!, { name: 'runs', seq: 1 }]);
    expectSoundDatabase(project);

    // The app goes on: edits are saved, and the trainer (a fresh process) plans the next run.
    await h.call('classes.add', { name: 'after-oom' });
    expect((await h.call('classes.list', {})).map((c) => c.name)).toContain('after-oom');
    const plan = await h.call('train.plan', { overrides: { size: 64 } });
    expect(plan).toMatchObject({ blocker: null, compute: { backend: 'wasm' } });
  });
});
