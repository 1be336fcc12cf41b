import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../src-main/store/projectStore';
import { bundleForNode } from './support/bundle';
import { FIXTURES, startServices, type Harness } from './support/harness';

let h: Harness;
let project: string;
let child: string;

beforeAll(async () => {
  h = startServices();
  project = (await h.call('project.create', { path: path.join(h.dir, 'crash.dwproj') })).path;
  await h.call('dataset.import', { format: 'coco', path: path.join(FIXTURES, 'bccd', 'annotations.json') });
  await h.call('project.close');
  child = await bundleForNode('test/integration/support/writerChild.ts', 'writerChild');
});
afterAll(async () => {
  rmSync(child, { force: true });
  await h.dispose();
});

/** Runs the writer until it has acknowledged `acks` saves, then SIGKILLs it; returns what it acknowledged. */
function runAndKill(acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, project, path.join(h.dir, 'user')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const saved: number[] = [];
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^saved (\d+)$/.exec(line);
        if (m) saved.push(Number(m[1]));
      }
      // Killed with no warning while it is in the middle of its stream of saves.
      if (saved.length >= acks && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(saved);
      else reject(new Error(`writer exited by itself (${code}): ${stderr}`));
    });
  });
}

describe('a writer killed in the middle of its edits', () => {
  it('loses no edit it reported saved, and leaves a sound database', async () => {
    const acked = await runAndKill(150 + Math.floor(Math.random() * 150));
    expect(acked.length).toBeGreaterThanOrEqual(150);
    // The writer never closed: its last commits are only in the write-ahead log, which opening recovers.
    expect(existsSync(`${project}-wal`)).toBe(true);

    const db = new Database(project, { fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const ids = db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
      const boxesOf = db.prepare('SELECT y, score FROM boxes WHERE image_id = ? ORDER BY id');
      const lastAcked = new Map<number, number>();
      for (const n of acked) lastAcked.set(ids[n % ids.length]!, n);
      for (const [imageId, n] of lastAcked) {
        const rows = boxesOf.all(imageId) as { y: number; score: number }[];
        // The image holds its last acknowledged edit, or a later one that committed before the kill:
        // whole (all its boxes), never a mix of two edits.
        const stored = Math.round(rows[0]!.score * 1_000_000);
        expect(stored).toBeGreaterThanOrEqual(n);
        expect(stored % ids.length).toBe(ids.indexOf(imageId));
        expect(rows).toHaveLength(1 + (stored % 5));
        expect(rows.every((r) => r.y === (stored % 400) + 0.5)).toBe(true);
      }
    } finally {
      db.close();
    }
    // And the app opens it as usual.
    const store = ProjectStore.open(project);
    expect(store.counts().images).toBe(8);
    store.close();
  });

  it('gets every edit into the database file itself within half a second, for a power cut', async () => {
    const g = startServices();
    try {
      const file = (await g.call('project.create', { path: path.join(g.dir, 'power.dwproj') })).path;
      await g.call('images.add', { paths: [path.join(FIXTURES, 'bccd', 'images', 'BloodImage_00066.jpg')] });
      const cls = await g.call('classes.add', { name: 'cell' });
      await g.call('boxes.replace', { imageId: 1, boxes: [{ classId: cls.id, x: 12.5, y: 1, w: 2, h: 3 }] });
      await new Promise((resolve) => setTimeout(resolve, 800));
      // What a power cut leaves: the main file as on disk, without the write-ahead log.
      const copy = path.join(g.dir, 'after-power-cut.dwproj');
      copyFileSync(file, copy);
      const db = new Database(copy, { readonly: true });
      try {
        expect(db.prepare('SELECT x FROM boxes').pluck().all()).toEqual([12.5]);
      } finally {
        db.close();
      }
    } finally {
      await g.dispose();
    }
  });
});
