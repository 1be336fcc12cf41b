// The GPU page's throwaway browser profiles: each names the trainer that made it, and one whose
// trainer is gone (killed before it could clean up) is removed by the next trainer's sweep, while
// the profiles of live trainers, and a fresh one not yet marked, stay.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  makeProfile,
  PROFILE_PREFIX,
  removeProfile,
  sweepProfiles,
} from '../../../src-main/trainer/gpuProfile';

let tmp = '';
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-gpu-profile-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** The pid of a process that has ended (and been reaped). */
async function endedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

function profileOwnedBy(name: string, pid: number | null): string {
  const dir = path.join(tmp, `${PROFILE_PREFIX}${name}`);
  mkdirSync(path.join(dir, 'Default'), { recursive: true });
  writeFileSync(path.join(dir, 'Default', 'Preferences'), '{}');
  if (pid !== null) writeFileSync(path.join(dir, 'dw-studio-owner'), String(pid));
  return dir;
}

describe('GPU page profiles', () => {
  it('are made in the temp folder, marked with the trainer that made them', () => {
    const dir = makeProfile(tmp);
    expect(path.dirname(dir)).toBe(tmp);
    expect(path.basename(dir).startsWith(PROFILE_PREFIX)).toBe(true);
    expect(readFileSync(path.join(dir, 'dw-studio-owner'), 'utf8')).toBe(String(process.pid));
  });

  it('removes only those whose trainer has ended, or unmarked ones over an hour old', async () => {
    const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const mine = makeProfile(tmp);
      const live = profileOwnedBy('live', parent.pid!);
      const orphan = profileOwnedBy('orphan', await endedPid());
      const fresh = profileOwnedBy('fresh', null);
      const old = profileOwnedBy('old', null);
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      utimesSync(old, twoHoursAgo, twoHoursAgo);
      const other = path.join(tmp, 'something-else');
      mkdirSync(other);
      utimesSync(other, twoHoursAgo, twoHoursAgo);

      expect(sweepProfiles(tmp).sort()).toEqual([orphan, old].sort());
      for (const kept of [mine, live, fresh, other]) expect(existsSync(kept), kept).toBe(true);
      for (const gone of [orphan, old]) expect(existsSync(gone), gone).toBe(false);
      // Nothing more to do the second time.
      expect(sweepProfiles(tmp)).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a temp folder that cannot be read sweeps nothing and throws nothing', () => {
    expect(sweepProfiles(path.join(tmp, 'missing'))).toEqual([]);
  });

  it('removes a closed profile with everything in it', async () => {
    const dir = makeProfile(tmp);
    mkdirSync(path.join(dir, 'Default', 'GPUCache'), { recursive: true });
    writeFileSync(path.join(dir, 'Default', 'GPUCache', 'data_0'), Buffer.alloc(4096));
    await removeProfile(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
