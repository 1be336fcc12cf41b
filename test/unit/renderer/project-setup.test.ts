import { describe, expect, it } from 'vitest';
import type { ProjectInfo } from '../../../src-main/shared/api/project';
import type { MethodName } from '../../../src-main/shared/contract';
import type { ErrorCode } from '../../../src-main/shared/errors';
import { ApiError, type ApiClient } from '../../../src-renderer/lib/api/client';
import { defaultProjectPath, setupProject } from '../../../src-renderer/lib/state/projectSetup';

const info = (path: string, imageCount = 0, classCount = 0): ProjectInfo => ({
  path,
  name: 'p',
  dataDir: `${path}-data`,
  imageCount,
  classCount,
  boxCount: 0,
  schemaVersion: 1,
});
const fail = (code: ErrorCode, message: string) => () => Promise.reject(new ApiError({ code, message }));

/** An API whose methods answer as given; every call is recorded by name. */
function fakeApi(answers: Partial<Record<MethodName, (input: unknown) => Promise<unknown>>>) {
  const calls: string[] = [];
  const api: ApiClient = {
    transport: 'serve',
    call: ((method: MethodName, input: unknown) => {
      calls.push(method);
      const answer = answers[method];
      if (!answer && method === 'files.kind') return Promise.resolve('folder');
      return answer ? answer(input) : Promise.resolve(null);
    }) as ApiClient['call'],
    on: () => () => {},
    imageUrl: () => '',
  };
  return { api, calls };
}

const report = { format: 'coco', images: 8, boxes: 20, classes: 6, unsupported: [], warnings: [] };
const coco = { kind: 'dataset', format: 'coco', path: '/d/cards/annotations.json' } as const;

describe('a new project from the start screen', () => {
  it('puts the project in the dataset folder, named after it', () => {
    expect(defaultProjectPath(coco)).toBe('/d/cards/cards.dwproj');
    expect(defaultProjectPath({ kind: 'dataset', format: 'voc', path: '/d/voc2007/' })).toBe(
      '/d/voc2007/voc2007.dwproj',
    );
    expect(defaultProjectPath({ kind: 'folder', path: '/data/cells' })).toBe('/data/cells/cells.dwproj');
    expect(defaultProjectPath({ kind: 'folder', path: 'C:\\data\\cells' })).toBe(
      'C:\\data\\cells\\cells.dwproj',
    );
    expect(defaultProjectPath({ ...coco, path: '/annotations.json' })).toBe('/annotations.dwproj');
    expect(defaultProjectPath({ ...coco, path: 'C:\\coco.json' })).toBe('C:\\coco.dwproj');
  });

  it('creates, imports and returns the filled project', async () => {
    const { api, calls } = fakeApi({
      'project.create': () => Promise.resolve(info('/d/cards/cards.dwproj')),
      'dataset.import': () => Promise.resolve(report),
      'project.current': () => Promise.resolve(info('/d/cards/cards.dwproj', 8, 6)),
    });
    const r = await setupProject(api, '/d/cards/cards', coco);
    expect(r).toEqual({
      ok: true,
      project: info('/d/cards/cards.dwproj', 8, 6),
      notice: 'Imported 8 images, 20 boxes and 6 classes from /d/cards/annotations.json',
    });
    expect(calls).toEqual(['files.kind', 'project.create', 'dataset.import', 'project.current']);
  });

  it('closes the new project when the import fails, and says where the empty file is', async () => {
    const { api, calls } = fakeApi({
      'project.create': () => Promise.resolve(info('/d/cards/cards.dwproj')),
      'dataset.import': fail('invalid_data', '/d/cards/annotations.json: line 3: not valid JSON.'),
    });
    const r = await setupProject(api, '/d/cards/cards.dwproj', coco);
    expect(r).toEqual({
      ok: false,
      message:
        'The COCO import failed and nothing was imported: /d/cards/annotations.json: line 3: not valid JSON. ' +
        'The project file /d/cards/cards.dwproj was created and is empty: trying again with the same project file reuses it.',
    });
    expect(calls).toEqual(['files.kind', 'project.create', 'dataset.import', 'project.close']);
  });

  it('reuses an existing empty project, and refuses one with images without touching it', async () => {
    const empty = fakeApi({
      'project.create': fail('conflict', 'A file already exists at /d/cards/cards.dwproj'),
      'project.open': () => Promise.resolve(info('/d/cards/cards.dwproj')),
      'dataset.import': () => Promise.resolve(report),
    });
    const r = await setupProject(empty.api, '/d/cards/cards.dwproj', coco);
    expect(r.ok && r.notice).toContain('into the empty project /d/cards/cards.dwproj');
    expect(empty.calls).toEqual([
      'files.kind',
      'project.create',
      'project.open',
      'dataset.import',
      'project.current',
    ]);

    const full = fakeApi({
      'project.create': fail('conflict', 'A file already exists at /d/cards/cards.dwproj'),
      'project.open': () => Promise.resolve(info('/d/cards/cards.dwproj', 1200, 3)),
    });
    expect(await setupProject(full.api, '/d/cards/cards.dwproj', coco)).toEqual({
      ok: false,
      message:
        'A project already exists at /d/cards/cards.dwproj (1,200 images): open it with “Open project”, or choose another project file.',
    });
    expect(full.calls).toEqual(['files.kind', 'project.create', 'project.open', 'project.close']);

    const other = fakeApi({
      'project.create': fail('conflict', 'A file already exists at /d/cards/notes.txt.dwproj'),
      'project.open': fail('invalid_data', 'not a DW Studio project'),
    });
    const refused = await setupProject(other.api, '/d/cards/notes.txt.dwproj', coco);
    expect(!refused.ok && refused.message).toContain('is not a DW Studio project it could open');
    expect(other.calls).toEqual(['files.kind', 'project.create', 'project.open']);
  });

  it('refuses a folder or dataset that is not there before making anything', async () => {
    const { api, calls } = fakeApi({ 'files.kind': () => Promise.resolve('missing') });
    expect(await setupProject(api, '/d/celss/celss.dwproj', { kind: 'folder', path: '/d/celss' })).toEqual({
      ok: false,
      message: 'There is no folder at /d/celss: check the path. Nothing was created.',
    });
    expect(await setupProject(api, '/d/x.dwproj', { ...coco, path: '/d/cards/anotations.json' })).toEqual({
      ok: false,
      message: 'There is no COCO dataset at /d/cards/anotations.json: check the path. Nothing was created.',
    });
    const file = fakeApi({ 'files.kind': () => Promise.resolve('file') });
    const r = await setupProject(file.api, '/d/x.dwproj', { kind: 'folder', path: '/d/photo.jpg' });
    expect(!r.ok && r.message).toBe(
      '/d/photo.jpg is a file: choose a folder of images. Nothing was created.',
    );
    expect([...calls, ...file.calls]).toEqual(['files.kind', 'files.kind', 'files.kind']);
  });

  it('treats a folder without a single image as a failure', async () => {
    const { api, calls } = fakeApi({
      'project.create': () => Promise.resolve(info('/d/x/x.dwproj')),
      'images.add': () =>
        Promise.resolve({
          added: 0,
          duplicates: [],
          failed: [{ path: '/d/x', reason: 'file not found' }],
          warnings: [],
        }),
    });
    const r = await setupProject(api, '/d/x/x.dwproj', { kind: 'folder', path: '/d/x' });
    expect(!r.ok && r.message).toBe(
      'No image could be added from /d/x: /d/x (file not found). The project file /d/x/x.dwproj was created ' +
        'and is empty: trying again with the same project file reuses it.',
    );
    expect(calls).toEqual(['files.kind', 'project.create', 'images.add', 'project.close']);
  });
});
