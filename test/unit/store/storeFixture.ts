import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewImage } from '../../../src-main/store/images';
import { ProjectStore } from '../../../src-main/store/projectStore';

/** A fresh project database in a temp folder, removed by `dispose`. */
export function tempStore(): { store: ProjectStore; file: string; dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-store-'));
  const file = path.join(dir, 'test.dwproj');
  const store = ProjectStore.create(file, { name: 'test', appVersion: '0.0.0' });
  return {
    store,
    file,
    dir,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function image(n: number, over: Partial<NewImage> = {}): NewImage {
  return {
    path: `images/img_${n}.jpg`,
    fileName: `img_${n}.jpg`,
    sha256: n.toString(16).padStart(64, '0'),
    bytes: 100,
    format: 'jpeg',
    width: 640,
    height: 480,
    orientation: 1,
    split: 'train',
    realPath: `/data/images/img_${n}.jpg`,
    mtimeMs: 1_700_000_000_000 + n,
    ...over,
  };
}
