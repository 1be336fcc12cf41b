import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dataDirFor,
  isDataDir,
  projectFilePath,
  toAbsolutePath,
  toStoredPath,
} from '../../../src-main/services/projectPaths';

describe('project paths', () => {
  const dir = path.resolve('/work/projects/cells');

  it('stores an image below the project relative to it, with / separators, and others absolute', () => {
    expect(toStoredPath(dir, path.join(dir, 'images', 'a.jpg'))).toBe('images/a.jpg');
    expect(toStoredPath(dir, path.resolve('/elsewhere/a.jpg'))).toBe(path.resolve('/elsewhere/a.jpg'));
    expect(toStoredPath(dir, path.resolve(dir, '..', 'cells-other', 'a.jpg'))).toBe(
      path.resolve('/work/projects/cells-other/a.jpg'),
    );
  });

  it('resolves a stored path against wherever the project is now', () => {
    const moved = path.resolve('/mnt/backup/cells');
    expect(toAbsolutePath(moved, 'images/a.jpg')).toBe(path.join(moved, 'images', 'a.jpg'));
    expect(toAbsolutePath(moved, path.resolve('/elsewhere/a.jpg'))).toBe(path.resolve('/elsewhere/a.jpg'));
  });

  it('adds the project extension when it is missing and names the data folder', () => {
    expect(projectFilePath('/p/cells')).toBe(path.resolve('/p/cells.dwproj'));
    expect(projectFilePath('/p/cells.DWPROJ')).toBe(path.resolve('/p/cells.DWPROJ'));
    expect(dataDirFor('/p/cells.dwproj')).toBe('/p/cells.dwproj-data');
    expect(isDataDir('/p/cells.dwproj-data')).toBe(true);
    expect(isDataDir('/p/cells-data')).toBe(false);
  });
});
