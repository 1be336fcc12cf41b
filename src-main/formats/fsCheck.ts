import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
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
