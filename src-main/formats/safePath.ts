import path from 'node:path';
import { FormatError } from './formatError';

/**
 * Resolves a path an annotation file names, refusing one that leaves `root`: a dataset downloaded from
 * anywhere must not make the project read (and later serve) files from elsewhere on the disk.
 * Backslashes count as separators, since Windows tools write them.
 */
export function resolveInside(root: string, rel: string, file: string, where: string): string {
  const p = rel.replace(/\\/g, '/');
  if (p.includes('\0')) throw new FormatError(file, where, 'the path contains a NUL character');
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(rel)) {
    throw new FormatError(file, where, `"${rel}" is an absolute path; paths must be relative to ${root}`);
  }
  const base = path.resolve(root);
  const resolved = path.resolve(base, p);
  if (resolved !== base && !resolved.startsWith(base + path.sep)) {
    throw new FormatError(file, where, `"${rel}" leaves the dataset folder ${base}`);
  }
  return resolved;
}
