import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, expectSoundDatabase, snapshot, startServices } from './support/harness';
import {
  builtCliWithTrainer,
  checkpointSteps,
  childPids,
  isRunning,
  readRuns,
  runCli,
  startCli,
  TINY,
  waitForExit,
  waitUntil,
  within,
} from './support/trainCli';

// A training run stopped the hard way (SIGKILL of the command, or of its trainer process, as a crash,
// the system's out-of-memory killer or `kill -9` does) and the polite way (Ctrl-C), then resumed: what
// is lost, what the database says, and where training goes on.
let bin = '';
let tmp = '';
let data = '';
const home = () => path.join(tmp, 'home');

async function newProject(name: string): Promise<string> {
  const project = path.join(tmp, `${name}.dwproj`);
  expect(
    runCli(bin, home(), ['import', project, '-f', 'coco', path.join(data, 'annotations.json')]).code,
  ).toBe(0);
  return project;
}

/** The steps of run 1 as recorded, and its latest complete checkpoint. */
const progress = (project: string) => {
  const steps = readRuns(project)[0]?.steps ?? [];
  return { last: steps.at(-1) ?? 0, checkpoint: checkpointSteps(project, 1).at(-1) ?? null };
};

/**
 * The run that the kills interrupt: a checkpoint every 4 steps, and steps enough (a few seconds at
 * 64 px) that the kill lands mid-run even on an idle machine, where 20 steps ended before the poll saw one.
 */
const STEPS = 60;
const EVERY = 4;

/** Starts `dw-studio train` and returns once a checkpoint is on disk with at least two steps after it. */
async function trainPastACheckpoint(project: string) {
  const train = startCli(bin, home(), [
    'train',
    project,
    ...TINY,
    '--steps',
    String(STEPS),
    '--checkpoint-every',
    String(EVERY),
  ]);
  await waitUntil(
    train.proc,
    () => {
      const p = progress(project);
      return p.checkpoint !== null && p.last >= p.checkpoint + 2;
    },
    'a checkpoint and two more steps',
  );
  return train;
}

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-train-stop-'));
  data = copyFixture('cards', tmp);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a training run that is stopped', () => {
  it('killed (SIGKILL): the trainer exits too, the database is sound, and --resume loses only the steps since the last checkpoint', async () => {
    const project = await newProject('killed');
    const train = await trainPastACheckpoint(project);
    const trainers = childPids(train.proc.pid!);
    expect(trainers).toHaveLength(1);
    expect(isRunning(trainers[0]!)).toBe(true);

    train.proc.kill('SIGKILL');
    expect((await train.exited).signal).toBe('SIGKILL');
    const atKill = progress(project);
    // Its trainer notices the closed IPC channel and exits instead of training on as an orphan, which
    // would write checkpoints up to the last step. (One being written at the kill may still complete.)
    expect(await waitForExit(trainers[0]!, 5000)).toBe(true);
    expect(progress(project).checkpoint!).toBeLessThanOrEqual(atKill.checkpoint! + EVERY);

    const { last: lastBeforeKill, checkpoint } = progress(project);
    // Steps recorded past the last checkpoint are trained again. (A checkpoint can also be ahead of
    // the record, when the command died before the report of its step arrived.)
    const lost = Math.max(0, lastBeforeKill - checkpoint!);
    expect(checkpoint! % EVERY).toBe(0);
    expect(lost).toBeLessThanOrEqual(EVERY);

    expectSoundDatabase(project);
    // Nobody said the run stopped: it stays 'running' until the project is opened again…
    expect(readRuns(project)[0]).toMatchObject({ status: 'running', error: null });
    const h = startServices();
    try {
      await h.call('project.open', { path: project });
      const [run] = await h.call('runs.list', {});
      // …which marks it stopped, keeping its checkpoints for a resume.
      expect(run).toMatchObject({
        id: 1,
        state: 'cancelled',
        error: 'DW Studio stopped while this run was training',
      });
      await h.call('project.close', {});
    } finally {
      await h.dispose();
    }

    const resumed = runCli(bin, home(), ['train', project, '--resume']);
    expect(resumed.stderr).not.toContain('dw-studio:');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      `Resuming run 1 (cancelled: DW Studio stopped while this run was training) from its checkpoint at step ${checkpoint}.`,
    );
    expect(resumed.stdout).toMatch(/\nAP \d\.\d{3} · AP50 \d\.\d{3} on 1 validation image · model 1$/);

    const [run] = readRuns(project);
    expect(run!.status).toBe('done');
    // The steps after the checkpoint were dropped from the record and trained again from it:
    // the history has each step once, and the first step after the resume is checkpoint + 1.
    const before = run!.steps.filter((s) => s <= checkpoint!);
    const after = run!.steps.filter((s) => s > checkpoint!);
    expect(run!.steps).toEqual([...before, ...after]);
    expect(new Set(run!.steps).size).toBe(run!.steps.length);
    expect(before[0]).toBe(1);
    expect(after[0]).toBe(checkpoint! + 1);
    expect(after.at(-1)).toBe(STEPS);
    console.info(
      `SIGKILL at step ${lastBeforeKill}, last checkpoint at step ${checkpoint}: ${lost} step(s) lost; ` +
        `resumed at step ${after[0]}, finished at ${after.at(-1)}`,
    );
  });

  it('trainer killed (SIGKILL): the command fails in one line saying so and how to resume, the run is recorded failed, the database is sound, and --resume loses only the steps since the last checkpoint', async () => {
    const project = await newProject('trainer-killed');
    const { sequence: _ids, ...labels } = snapshot(project);
    const train = await trainPastACheckpoint(project);
    // The trainer alone dies, as when the system's out-of-memory killer picks it; the command lives on.
    const trainers = childPids(train.proc.pid!);
    expect(trainers).toHaveLength(1);
    process.kill(trainers[0]!, 'SIGKILL');
    expect(await waitForExit(trainers[0]!, 5000)).toBe(true);

    // The command notices, records the run and exits; it does not hang waiting for a dead trainer.
    const r = await within(train.exited, 20_000, 'the command to exit after its trainer was killed');
    const checkpoint = checkpointSteps(project, 1).at(-1)!;
    expect(checkpoint % EVERY).toBe(0);
    const reason =
      'The trainer process was killed (SIGKILL): by another program, or by the system when memory ran out, ' +
      'in which case a smaller input size, batch size or network preset helps.';
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('dw-studio:'))).toEqual([
      `dw-studio: Run 1 failed: ${reason} Its checkpoint at step ${checkpoint} is saved; resume with: ` +
        `dw-studio train ${project} --resume 1`,
    ]);
    expect(r.stdout).not.toContain('finished');

    // Recorded as failed, with that reason, at once (no reopen needed); nothing the user made is touched.
    const { last: lastBeforeKill } = progress(project);
    expect(readRuns(project)[0]).toMatchObject({ id: 1, status: 'failed', error: reason });
    expectSoundDatabase(project);
    const { sequence: _after, ...labelsAfter } = snapshot(project);
    expect(labelsAfter).toEqual(labels);
    const lost = Math.max(0, lastBeforeKill - checkpoint);
    expect(lost).toBeLessThanOrEqual(EVERY);

    const resumed = runCli(bin, home(), ['train', project, '--resume']);
    expect(resumed.stderr).not.toContain('dw-studio:');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      `Resuming run 1 (failed: ${reason}) from its checkpoint at step ${checkpoint}.`,
    );
    const [run] = readRuns(project);
    expect(run).toMatchObject({ status: 'done', error: null });
    const before = run!.steps.filter((s) => s <= checkpoint);
    const after = run!.steps.filter((s) => s > checkpoint);
    expect(run!.steps).toEqual([...before, ...after]);
    expect(new Set(run!.steps).size).toBe(run!.steps.length);
    expect(after[0]).toBe(checkpoint + 1);
    expect(after.at(-1)).toBe(STEPS);
    console.info(
      `trainer SIGKILL at step ${lastBeforeKill}, last checkpoint at step ${checkpoint}: ${lost} step(s) lost; ` +
        `resumed at step ${after[0]}, finished at ${after.at(-1)}`,
    );
  });

  it('a compute worker killed mid-run: the command fails in one line, the run is recorded failed, and --resume continues from the last checkpoint', async () => {
    const project = await newProject('worker-killed');
    const { sequence: _ids, ...labels } = snapshot(project);
    // Two workers; the second one ends without a word just before step 11, as a crash would.
    const args = ['train', project, ...TINY, '--batch', '2', '--workers', '2', '--steps', '20'];
    const r = runCli(bin, home(), [...args, '--checkpoint-every', '4'], {
      DW_STUDIO_TEST_KILL_WORKER: '1@10',
    });
    expect(r.code).toBe(1);
    const reason = 'A compute worker (2 of 2) stopped unexpectedly (exit code 1).';
    expect(r.stderr.split('\n').filter((l) => l.startsWith('dw-studio:'))).toEqual([
      `dw-studio: Run 1 failed: ${reason} Its checkpoint at step 8 is saved; resume with: ` +
        `dw-studio train ${project} --resume 1`,
    ]);
    expect(r.stdout).toContain('CPU, 2 threads');
    expect(readRuns(project)[0]).toMatchObject({ id: 1, status: 'failed', error: reason.slice(0, -1) });
    expect(readRuns(project)[0]!.steps.at(-1)).toBe(10);
    expectSoundDatabase(project);
    const { sequence: _after, ...labelsAfter } = snapshot(project);
    expect(labelsAfter).toEqual(labels);

    const resumed = runCli(bin, home(), ['train', project, '--resume']);
    expect(resumed.stderr).not.toContain('dw-studio:');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      `Resuming run 1 (failed: ${reason.slice(0, -1)}) from its checkpoint at step 8.`,
    );
    const [run] = readRuns(project);
    expect(run).toMatchObject({ status: 'done', error: null });
    expect(run!.steps.filter((s) => s > 8)[0]).toBe(9);
    expect(run!.steps.at(-1)).toBe(20);
    expect(new Set(run!.steps).size).toBe(run!.steps.length);
  }, 120_000);

  it('Ctrl-C: the run is cancelled after a checkpoint, the command exits 130 and says how to resume', async () => {
    const project = await newProject('interrupted');
    const total = 12;
    // No periodic checkpoint: the only one is the one the cancel writes.
    const train = startCli(
      bin,
      home(),
      ['train', project, ...TINY, '--steps', String(total), '--checkpoint-every', '1000'],
      true,
    );
    await waitUntil(train.proc, () => progress(project).last >= 3, 'three steps');
    const trainers = childPids(train.proc.pid!);
    expect(trainers).toHaveLength(1);
    // A terminal's Ctrl-C signals the whole foreground process group: the command and its trainer.
    process.kill(-train.proc.pid!, 'SIGINT');
    const r = await train.exited;
    expect(r.stderr).not.toContain('dw-studio:');
    expect(r.code).toBe(130);
    expect(await waitForExit(trainers[0]!)).toBe(true);

    const [checkpoint] = checkpointSteps(project, 1);
    expect(checkpointSteps(project, 1)).toEqual([checkpoint]);
    expect(checkpoint).toBeGreaterThanOrEqual(3);
    expect(checkpoint).toBeLessThan(total);
    expect(r.stdout).toContain('Stopping after a checkpoint… (Ctrl-C again quits at once)');
    expect(
      r.stdout.endsWith(
        `Run 1 stopped at step ${checkpoint}; its checkpoint is saved. Resume with:\n  dw-studio train ${project} --resume 1`,
      ),
    ).toBe(true);
    expect(readRuns(project)[0]).toMatchObject({ status: 'cancelled', error: null });

    const resumed = runCli(bin, home(), ['train', project, '--resume', '1']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Resuming run 1 (cancelled) from its checkpoint at step ${checkpoint}.`);
    const [run] = readRuns(project);
    expect(run!.status).toBe('done');
    const after = run!.steps.filter((s) => s > checkpoint!);
    expect(after[0]).toBe(checkpoint! + 1);
    expect(after.at(-1)).toBe(total);
    console.info(
      `Ctrl-C: checkpoint at step ${checkpoint}; resumed at step ${after[0]}, finished at ${after.at(-1)}`,
    );
  });

  it('a second Ctrl-C quits at once; the trainer exits with the command', async () => {
    const project = await newProject('twice');
    const train = startCli(bin, home(), ['train', project, ...TINY, '--steps', '50'], true);
    await waitUntil(train.proc, () => progress(project).last >= 1, 'the first step');
    const trainers = childPids(train.proc.pid!);
    // The second Ctrl-C as soon as the first is acknowledged, while the trainer is still checkpointing.
    train.proc.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Stopping after a checkpoint')) process.kill(-train.proc.pid!, 'SIGINT');
    });
    process.kill(-train.proc.pid!, 'SIGINT');
    const r = await train.exited;
    expect(r.code).toBe(130);
    expect(r.stderr.split('\n').at(-1)).toBe('SIGINT again: quitting without waiting for the checkpoint.');
    expect(r.stdout).not.toContain('Resume with');
    expect(await waitForExit(trainers[0]!)).toBe(true);
    // As after a crash: the run is marked stopped when the project is next opened.
    expect(readRuns(project)[0]).toMatchObject({ status: 'running' });
    expectSoundDatabase(project);
  });
});
