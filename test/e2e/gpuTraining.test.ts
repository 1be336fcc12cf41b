// Training on WebGPU as a user runs it, in Debian's Chromium on its software adapter (SwiftShader),
// which DW_STUDIO_ALLOW_SOFTWARE_GPU=1 lets these tests use (never a user's training): `doctor`
// names the adapter and its check against the CPU, or says why it is refused; a run on the GPU
// page is cancelled, resumed, its browser killed mid-run (as a GPU crash ends it), resumed, its trainer
// killed (the browser must not outlive it), and resumed to the end. No browser process and no browser
// profile is left behind. The numbers are for correctness only: a software adapter is slower than the
// CPU.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ComputeReport } from '../../src-main/shared/api/system';
import { copyFixture } from '../integration/support/harness';
import {
  builtCliWithTrainer,
  checkpointSteps,
  childPids,
  isRunning,
  readRuns,
  runCli,
  startCli,
  waitUntil,
  within,
} from '../integration/support/trainCli';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let bin = '';
let tmp = '';
let project = '';
const home = () => path.join(tmp, 'home');
/** The temp folder of the commands: the browser's profile and Chromium's own files go there. */
const temp = () => path.join(tmp, 'temp');
let SOFTWARE: NodeJS.ProcessEnv = {};
const RUN = ['--preset', 'small', '--size', '64', '--batch', '1', '--warmup', '0', '--checkpoint-every', '2'];

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-gpu-train-'));
  mkdirSync(temp());
  SOFTWARE = { DW_STUDIO_ALLOW_SOFTWARE_GPU: '1', CHROMIUM_PATH: CHROMIUM, TMPDIR: temp() };
  const data = copyFixture('cards', tmp);
  project = path.join(tmp, 'cards.dwproj');
  expect(
    runCli(bin, home(), ['import', project, '-f', 'coco', path.join(data, 'annotations.json')]).code,
  ).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Processes whose command line names the commands' temp folder: browsers and their helpers. */
function browsersLeft(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(temp()) && isRunning(pid);
      } catch {
        return false;
      }
    });
}
const profilesLeft = () => readdirSync(temp()).filter((n) => n.startsWith('dw-studio-gpu-'));

const doctor = (env: NodeJS.ProcessEnv) => {
  const r = runCli(bin, home(), ['doctor', '--json'], env);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ComputeReport;
};

describe('training on WebGPU', () => {
  it('doctor refuses a software adapter for training, and says so', () => {
    const r = doctor({ CHROMIUM_PATH: CHROMIUM });
    expect(r.backend).not.toBe('webgpu');
    expect(r.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
    const skip = r.skipped.find((s) => s.backend === 'webgpu');
    expect(skip?.reason).toMatch(
      /^only a software adapter \(google swiftshader\), which is no faster than the CPU/,
    );
    // Listed after the CUDA route and before the CPU's.
    expect(r.skipped.map((s) => s.backend).indexOf('webgpu')).toBe(1);
  }, 180_000);

  it('doctor names the adapter and its passed check against the CPU where software adapters are allowed', () => {
    const r = doctor(SOFTWARE);
    expect(r).toMatchObject({
      backend: 'webgpu',
      usesGpu: true,
      device: 'google swiftshader (WebGPU, software)',
    });
    expect(r.selfCheck).toMatchObject({ passed: true, cached: false });
    expect(r.selfCheck!.gradientError).toBeLessThan(1e-3);
    expect(r.selfCheck!.lossError).toBeLessThan(1e-3);
    // The check is kept: the next trainer trusts the same adapter at once.
    expect(existsSync(path.join(home(), 'cache', 'gpu-checks.json'))).toBe(true);
    expect(doctor(SOFTWARE).selfCheck).toMatchObject({ passed: true, cached: true });
    // The browser of the check closed with the command, and took its profile and files with it.
    expect(browsersLeft()).toEqual([]);
    expect(readdirSync(temp())).toEqual([]);
  }, 300_000);

  it('a run on the GPU: cancelled, resumed, its browser killed, resumed, its trainer killed, resumed to the end', async () => {
    const steps = () => readRuns(project)[0]?.steps ?? [];
    const atCheckpoint = () => checkpointSteps(project, 1).at(-1) ?? 0;

    // Ctrl-C once a checkpoint is written: the run stops after the next one.
    const first = startCli(bin, home(), ['train', project, ...RUN, '--steps', '8'], false, SOFTWARE);
    await waitUntil(first.proc, () => atCheckpoint() >= 2, 'a first checkpoint', 240_000);
    first.proc.kill('SIGINT');
    const stopped = await within(first.exited, 120_000, 'the cancelled run to end');
    expect(stopped.stdout).toContain('Compute: google swiftshader (WebGPU, software) (webgpu)');
    expect(stopped.code).toBe(130);
    expect(readRuns(project)[0]!.status).toBe('cancelled');
    const cancelledAt = atCheckpoint();

    // Resumed, then its browser killed mid-run, as a crash of the GPU process ends it.
    const second = startCli(bin, home(), ['train', project, '--resume'], false, SOFTWARE);
    await waitUntil(second.proc, () => steps().at(-1)! > cancelledAt, 'a step after the resume', 240_000);
    const trainer = childPids(second.proc.pid!)[0]!;
    const browser = childPids(trainer).find((pid) =>
      /chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
    );
    expect(browser).toBeDefined();
    process.kill(browser!, 'SIGKILL');
    const crashed = await within(second.exited, 120_000, 'the run to fail');
    expect(crashed.code).toBe(1);
    const failed = crashed.stderr.split('\n').filter((l) => l.startsWith('dw-studio:'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^dw-studio: Run 1 failed: the browser hosting the GPU stopped \(killed by SIGKILL\).* resume with: dw-studio train .* --resume 1$/,
    );
    expect(readRuns(project)[0]!.status).toBe('failed');

    // Resumed, then its trainer killed without a word: its browser goes with it, at once.
    const failedAt = steps().at(-1)!;
    const third = startCli(bin, home(), ['train', project, '--resume'], false, SOFTWARE);
    await waitUntil(third.proc, () => steps().at(-1)! > failedAt, 'a step after the second resume', 240_000);
    const trainer3 = childPids(third.proc.pid!)[0]!;
    expect(browsersLeft()).not.toEqual([]);
    process.kill(trainer3, 'SIGKILL');
    expect((await within(third.exited, 120_000, 'the run to fail')).code).toBe(1);
    await vi.waitFor(() => expect(browsersLeft()).toEqual([]), { timeout: 10_000, interval: 100 });
    // Its profile stays (nobody was left to remove it) until the next trainer's sweep.
    expect(profilesLeft()).toHaveLength(1);

    // Resumed again: a fresh browser, from the last checkpoint to the end.
    const last = runCli(bin, home(), ['train', project, '--resume'], SOFTWARE);
    expect(last.stderr).not.toContain('dw-studio:');
    expect(last.code).toBe(0);
    const run = readRuns(project)[0]!;
    expect(run.status).toBe('done');
    expect(run.steps.at(-1)).toBe(8);
    expect(new Set(run.steps).size).toBe(run.steps.length);
    expect(browsersLeft()).toEqual([]);
    expect(profilesLeft()).toEqual([]);
  }, 900_000);
});
