import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src-main/store/migrations';
import { copyFixture, startServices, type Harness } from './support/harness';

let h: Harness;
beforeEach(() => {
  h = startServices();
});
afterEach(() => h.dispose());

describe('projects', () => {
  it('creates a project file and its data folder, opens it, and lists it as recent', async () => {
    const info = await h.call('project.create', { path: path.join(h.dir, 'cells') });
    expect(info).toEqual({
      path: path.join(h.dir, 'cells.dwproj'),
      name: 'cells',
      dataDir: path.join(h.dir, 'cells.dwproj-data'),
      imageCount: 0,
      classCount: 0,
      boxCount: 0,
      schemaVersion: SCHEMA_VERSION,
    });
    expect(existsSync(info.dataDir)).toBe(true);
    expect(await h.call('project.current')).toEqual(info);
    expect(h.eventsOf('project.changed').at(-1)).toEqual({ project: info });

    await h.call('project.close');
    expect(await h.call('project.current')).toBeNull();
    expect(h.eventsOf('project.changed').at(-1)).toEqual({ project: null });
    await expect(h.call('classes.list')).rejects.toMatchObject({ code: 'no_project' });

    await h.call('project.create', { path: path.join(h.dir, 'other.dwproj'), name: 'Other cells' });
    expect((await h.call('project.open', { path: info.path })).name).toBe('cells');
    const recent = await h.call('project.recent');
    expect(recent.map((r) => [r.name, r.exists])).toEqual([
      ['cells', true],
      ['Other cells', true],
    ]);
    rmSync(path.join(h.dir, 'other.dwproj'));
    expect((await h.call('project.recent'))[1]!.exists).toBe(false);
  });

  it('refuses to create over a file, and to open what is not a project, keeping the open one', async () => {
    const info = await h.call('project.create', { path: path.join(h.dir, 'a.dwproj') });
    await expect(h.call('project.create', { path: info.path })).rejects.toMatchObject({ code: 'conflict' });
    await expect(h.call('project.open', { path: path.join(h.dir, 'missing.dwproj') })).rejects.toMatchObject({
      code: 'not_found',
    });
    const text = path.join(h.dir, 'notes.dwproj');
    writeFileSync(text, 'these are my notes, not a project; long enough to look like a file header');
    await expect(h.call('project.open', { path: text })).rejects.toMatchObject({
      code: 'invalid_data',
      message: expect.stringContaining('not a DW Studio project'),
    });
    expect((await h.call('project.current'))?.path).toBe(info.path);
  });

  it('refuses a project saved by a newer version', async () => {
    const { path: file } = await h.call('project.create', { path: path.join(h.dir, 'a.dwproj') });
    await h.call('project.close');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    await expect(h.call('project.open', { path: file })).rejects.toMatchObject({
      code: 'version_too_new',
      message: expect.stringContaining('newer version of DW Studio'),
    });
  });

  it('still finds its images after the project folder moves', async () => {
    const home = path.join(h.dir, 'lab');
    copyFixture('bccd', home);
    const { path: file } = await h.call('project.create', { path: path.join(home, 'cells.dwproj') });
    await h.call('images.add', { paths: [path.join(home, 'bccd', 'images')] });
    const before = await h.call('images.list');
    expect(before.items[0]!.path).toBe('bccd/images/BloodImage_00066.jpg');
    await h.call('project.close');

    const moved = path.join(h.dir, 'moved-lab');
    renameSync(home, moved);
    await h.call('project.open', { path: path.join(moved, path.basename(file)) });
    await h.services.idle();
    const after = await h.call('images.list', { filter: { hasProblem: true } });
    expect(after.total).toBe(0);
    expect((await h.services.resolveImage('image', before.items[0]!.id))?.path).toBe(
      path.join(moved, 'bccd/images/BloodImage_00066.jpg'),
    );
  });

  it('flags images whose file went missing when it opens, and clears the flag when it is back', async () => {
    const data = copyFixture('cards', h.dir);
    const { path: file } = await h.call('project.create', { path: path.join(h.dir, 'cards.dwproj') });
    await h.call('images.add', { paths: [path.join(data, 'images')] });
    await h.call('project.close');
    const gone = path.join(data, 'images', 'IMG_2448.JPG');
    renameSync(gone, `${gone}.bak`);

    await h.call('project.open', { path: file });
    await h.services.idle();
    const flagged = await h.call('images.list', { filter: { hasProblem: true } });
    expect(flagged.items.map((i) => [i.fileName, i.problem])).toEqual([['IMG_2448.JPG', 'file not found']]);
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: [flagged.items[0]!.id] });
    expect(await h.services.resolveImage('image', flagged.items[0]!.id)).toBeNull();
    expect((await h.call('project.stats')).images.withProblems).toBe(1);

    renameSync(`${gone}.bak`, gone);
    await h.call('project.open', { path: file });
    await h.services.idle();
    expect((await h.call('images.list', { filter: { hasProblem: true } })).total).toBe(0);
  });
});
