import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The file types a folder scan picks up (content is checked later; the name only narrows the scan). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'];

export function hasImageExtension(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

export interface ScanOptions {
  recursive: boolean;
  /** Folders not to enter (e.g. a project's own data folder of thumbnails). */
  skipDir?: (dir: string) => boolean;
  /** A folder that cannot be listed is reported here and skipped; the scan goes on. */
  onError?: (dir: string, error: unknown) => void;
}

/**
 * Image files under `dir`, sorted. Hidden entries are skipped, and symbolic links to folders are not
 * followed (a link cycle cannot hang the scan); links to files are kept.
 */
export async function listImageFiles(dir: string, opts: ScanOptions): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if (d === dir || !opts.onError) throw e;
      opts.onError(d, e);
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (opts.recursive && !opts.skipDir?.(full)) await walk(full);
      } else if (hasImageExtension(e.name)) {
        if (e.isFile() || (e.isSymbolicLink() && (await stat(full).catch(() => null))?.isFile())) {
          found.push(full);
        }
      }
    }
  };
  await walk(dir);
  return found.sort();
}
