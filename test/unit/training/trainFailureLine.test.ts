import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failureLine } from '../../../src-main/cli/trainCommand';

// How `dw-studio train` words a failed run: one line, the reason, then what to do next.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-failure-line-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const project = path.join(tmp, 'my cells.dwproj');
const quoted = `'${project}'`;
function checkpoint(runId: number, step: number, complete = true): void {
  const dir = path.join(
    `${project}-data`,
    'runs',
    String(runId),
    'checkpoints',
    `step-${String(step).padStart(8, '0')}`,
  );
  mkdirSync(dir, { recursive: true });
  if (complete) writeFileSync(path.join(dir, 'manifest.json'), '{}');
}

describe('the line of a failed training run', () => {
  it('after a crash: its last complete checkpoint and the command that resumes it', () => {
    checkpoint(1, 4);
    checkpoint(1, 8);
    checkpoint(1, 12, false); // being written when the trainer died: not one
    expect(failureLine(project, 1, 'The trainer stopped unexpectedly (exit code 3): Error: boom.')).toBe(
      'Run 1 failed: The trainer stopped unexpectedly (exit code 3): Error: boom. ' +
        `Its checkpoint at step 8 is saved; resume with: dw-studio train ${quoted} --resume 1`,
    );
  });

  it('before the first checkpoint: a new run', () => {
    expect(failureLine(project, 2, 'The trainer process was killed (SIGKILL)')).toBe(
      'Run 2 failed: The trainer process was killed (SIGKILL). ' +
        `It stopped before its first checkpoint; start a new run with: dw-studio train ${quoted}`,
    );
  });

  it('out of memory: not a resume, which would run out again, but the flags of smaller settings', () => {
    checkpoint(3, 200);
    const reason =
      'Training ran out of memory on the WebAssembly CPU backend, which can use at most 4 GB however much ' +
      'memory the computer has (memory access out of bounds). Start a new run with a smaller input size, ' +
      'batch size or network preset (it had 512 px, batch 8, the resnet18 network).';
    expect(failureLine(project, 3, reason)).toBe(
      `Run 3 failed: ${reason} Set them with --size, --batch and --preset.`,
    );
  });

  it('keeps to one line whatever the reason holds', () => {
    const line = failureLine(project, 4, 'first line\n  second line\n');
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^Run 4 failed: first line second line\. It stopped before/);
    expect(failureLine(project, 4, null)).toMatch(/^Run 4 failed: no reason given\. /);
  });
});
