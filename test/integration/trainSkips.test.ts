import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/harness';
import { builtCliWithTrainer, readRuns, runCli, TINY } from './support/trainCli';

// An image that was fine at import and cannot be decoded by the time a run reads it (replaced on
// disk, a half-copied file): the run goes on without it, names it once while training and keeps it
// in its record; a validation image likewise is left out of the evaluation, not counted as missed.
let bin = '';
let tmp = '';
let project = '';
let data = '';
const cli = (...args: string[]) => runCli(bin, path.join(tmp, 'home'), args);

/** [file name, split] of every image, as the import split them. */
function splits(): Array<[string, string]> {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT path, split FROM images ORDER BY id').all() as Array<{
      path: string;
      split: string;
    }>;
    return rows.map((r) => [path.basename(r.path), r.split]);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  bin = await builtCliWithTrainer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-train-skips-'));
  data = copyFixture('cards', tmp);
  project = path.join(tmp, 'cards.dwproj');
  expect(cli('import', project, '-f', 'coco', path.join(data, 'annotations.json')).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('an image that cannot be decoded during a run', () => {
  it('is skipped and named once; the run finishes and records it', () => {
    const first = (split: string) => splits().find(([, s]) => s === split)![0];
    // One training image and the one validation image: the first bytes of each JPEG, then nothing,
    // as an interrupted copy leaves them.
    const broken = [first('train'), first('val')].sort();
    for (const name of broken) {
      const file = path.join(data, 'images', name);
      writeFileSync(file, readFileSync(file).subarray(0, 300));
    }

    const r = cli('train', project, ...TINY, '--batch', '2', '--steps', '8');
    expect(r.code).toBe(0);
    const said = r.stdout.split('\n').filter((l) => l.startsWith('Skipped '));
    expect(said.map((l) => l.slice('Skipped '.length).split(':')[0]).sort()).toEqual(broken);
    for (const line of said) {
      expect(line).toMatch(/: it cannot be decoded \(.*JPEG.*\); training goes on without it\.$/);
    }
    expect(r.stdout).toMatch(/^Run 1 finished: 8 steps/m);
    // Its only validation image unreadable, the run measures nothing rather than AP 0.
    expect(r.stdout.split('\n').at(-1)).toBe(
      'AP not measured: none of the 1 validation image could be decoded · model 1',
    );
    expect(readRuns(project)[0]).toMatchObject({ status: 'done', error: null });

    const db = new Database(project, { readonly: true, fileMustExist: true });
    try {
      const { summary } = db.prepare('SELECT summary FROM runs WHERE id = 1').get() as { summary: string };
      const skipped = (JSON.parse(summary) as { skippedImages: Array<{ path: string; reason: string }> })
        .skippedImages;
      expect(skipped.map((s) => path.basename(s.path)).sort()).toEqual(broken);
      for (const s of skipped) expect(s.reason).toMatch(/JPEG/);
    } finally {
      db.close();
    }
  });
});
