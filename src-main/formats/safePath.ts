import { realpathSync } from 'node:fs';
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
  if (!isInside(base, resolved)) {
    throw new FormatError(file, where, `"${rel}" leaves the dataset folder ${base}`);
  }
  return resolved;
}

/** `p` is `root` itself or below it (both absolute and normalized). */
export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** Where a path really leads (every symbolic link resolved), or null when it leads nowhere. */
export function realPathOf(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * The check of `resolveInside` on where each image path really leads: a symbolic link inside the
 * folder that points out of it (to a key, a document, another user's files) is refused too, naming the
 * annotation file and the place in it. A path that leads nowhere is left for the file check to report.
 */
export function checkRealPathsInside(
  images: readonly { path: string; root: string; file: string; where: string }[],
): void {
  const realRoots = new Map<string, string | null>();
  for (const img of images) {
    const real = realPathOf(img.path);
    if (real === null) continue;
    let realRoot = realRoots.get(img.root);
    if (realRoot === undefined) realRoots.set(img.root, (realRoot = realPathOf(img.root)));
    if (realRoot !== null && !isInside(realRoot, real)) {
      throw new FormatError(
        img.file,
        img.where,
        `${img.path} is a link to ${real}, outside the dataset folder ${path.resolve(img.root)}`,
      );
    }
  }
}
