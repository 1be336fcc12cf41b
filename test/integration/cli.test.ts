import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli } from './support/bundle';
import { FIXTURES, snapshot } from './support/harness';

// `dw-studio import` and `export` run as a user runs them: the built bin, a fresh process each time.
let bin = '';
let tmp = '';

beforeAll(async () => {
  bin = await builtCli();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DW_STUDIO_HOME: path.join(tmp, 'home') },
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('dw-studio import / export', () => {
  it('creates the project on import, exports it, and imports the export into another project', () => {
    const project = path.join(tmp, 'cells');
    const first = cli('import', project, '--format', 'coco', path.join(FIXTURES, 'bccd', 'annotations.json'));
    expect(first).toEqual({
      code: 0,
      stdout: `Created ${project}.dwproj\nImported 8 images, 84 boxes and 3 classes (COCO) into ${project}.dwproj`,
      stderr: '',
    });

    const out = path.join(tmp, 'cells-yolo');
    const exported = cli('export', `${project}.dwproj`, '--format', 'yolo', out);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      `Exported 8 images and 84 boxes of ${project}.dwproj as YOLO to ${out} (17 files)`,
    );
    expect(readFileSync(path.join(out, 'data.yaml'), 'utf8')).toContain(
      'names:\n  0: RBC\n  1: WBC\n  2: Platelets',
    );

    const again = cli('import', path.join(tmp, 'copy.dwproj'), '-f', 'yolo', out);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Imported 8 images, 84 boxes and 3 classes (YOLO)');
    expect(readFileSync(path.join(tmp, 'home', 'recent-projects.json'), 'utf8')).toContain('copy.dwproj');
  });

  it('fails with the file and field named, exit code 1, and the project untouched', () => {
    const project = path.join(tmp, 'cards.dwproj');
    expect(
      cli('import', project, '--format', 'coco', path.join(FIXTURES, 'cards', 'annotations.json')).code,
    ).toBe(0);
    const before = snapshot(project);

    const bad = path.join(tmp, 'bad');
    cpSync(path.join(FIXTURES, 'cards'), bad, { recursive: true });
    const json = path.join(bad, 'annotations.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"category_id": 6', '"category_id": 60'));
    const r = cli('import', project, '--format', 'coco', json);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`dw-studio: ${json}: annotations[0].category_id: no category has id 60`);
    expect(snapshot(project)).toEqual(before);
  });

  it('refuses an unknown format and a missing project, saying why', () => {
    const format = cli('import', path.join(tmp, 'x.dwproj'), '--format', 'xml', FIXTURES);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain(
      "option '-f, --format <format>' argument 'xml' is invalid. the format is coco, voc or yolo",
    );
    expect(existsSync(path.join(tmp, 'x.dwproj'))).toBe(false);

    const missing = cli('export', path.join(tmp, 'nope.dwproj'), '--format', 'voc', path.join(tmp, 'out'));
    expect(missing).toMatchObject({
      code: 1,
      stderr: `dw-studio: No project file at ${path.join(tmp, 'nope.dwproj')}`,
    });
  });
});
