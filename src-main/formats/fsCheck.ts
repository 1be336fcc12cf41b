import type { Dirent } from 'node:fs';
import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { AppError } from '../shared/errors';

export async function kindOf(p: string): Promise<'file' | 'dir' | null> {
  const s = await stat(p).catch(() => null);
  return s === null ? null : s.isDirectory() ? 'dir' : 'file';
}

/**
 * The first candidate that is a file, else the first one (a later read then reports it missing by name).
 * A synchronous stat: ~5 µs against ~40 µs through the thread pool, and an import checks 20,000 of them.
 */
export function firstExisting(candidates: readonly string[]): string {
  for (const c of candidates) if (statSync(c, { throwIfNoEntry: false })?.isFile()) return c;
  return candidates[0]!;
}

export function notFound(what: string, p: string): AppError {
  return new AppError('not_found', `No ${what} at ${p}`);
}

/** A text file of a dataset; a file that cannot be read is an error naming it, in one line. */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw ioError(file, e);
  }
}

/** A folder's entries; one that cannot be listed is an error naming it, in one line. */
export async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(dir, e);
  }
}

function ioError(p: string, e: unknown): AppError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'not found'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'a folder, not a file'
          : code === 'ENOTDIR'
            ? 'not a folder'
            : `cannot be read (${code ?? (e as Error).message})`;
  return new AppError(code === 'ENOENT' ? 'not_found' : 'io_error', `${p}: ${why}`, { cause: e });
}
