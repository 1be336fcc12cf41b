import { copyFile, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../shared/errors';
import { kindOf } from './fsCheck';

export interface ImageCopy {
  from: string;
  /** Relative to the export folder, '/' separated. */
  to: string;
}

/**
 * Writes an export into a sibling folder and renames it into place at the end, so a failed or cancelled
 * export never leaves a half-written dataset where the user asked for one. The target must be new or
 * empty: an export never mixes with older files.
 */
export async function writeExportFolder(
  dir: string,
  /** Text (written as UTF-8) or bytes, at a path relative to the folder. */
  files: readonly { path: string; content: string | Uint8Array }[],
  copies: readonly ImageCopy[],
  onProgress: (done: number, total: number) => void,
  folders: readonly string[] = [],
): Promise<void> {
  const kind = await kindOf(dir);
  if (kind === 'file') throw new AppError('conflict', `${dir} is a file; choose a folder to export into`);
  if (kind === 'dir' && (await readdir(dir)).length > 0) {
    throw new AppError('conflict', `${dir} is not empty; choose a new or empty folder to export into`);
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.partial-${process.pid}-${Date.now().toString(36)}`;
  const total = files.length + copies.length;
  let done = 0;
  try {
    const made = new Set<string>();
    const ensureDir = async (rel: string) => {
      const d = path.dirname(path.join(tmp, rel));
      if (!made.has(d)) {
        await mkdir(d, { recursive: true });
        made.add(d);
      }
    };
    await mkdir(tmp, { recursive: true });
    for (const f of folders) await mkdir(path.join(tmp, f), { recursive: true });
    for (const f of files) {
      await ensureDir(f.path);
      await writeFile(path.join(tmp, f.path), f.content);
      onProgress(++done, total);
    }
    for (const c of copies) {
      await ensureDir(c.to);
      await copyFile(c.from, path.join(tmp, c.to));
      onProgress(++done, total);
    }
    if (kind === 'dir') await rmdir(dir);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof AppError) throw e;
    throw new AppError('io_error', `Export to ${dir} failed: ${(e as Error).message}`, { cause: e });
  }
}
