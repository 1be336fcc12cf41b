import { stat } from 'node:fs/promises';
import path from 'node:path';
import { listImageFiles } from '../imaging/scan';
import type { AddImagesResult } from '../shared/api/project';
import type { NewImage } from '../store/images';
import type { ServiceContext } from './context';
import { probeFiles } from './probeFiles';
import { withProgress } from './progress';
import { isDataDir } from './projectPaths';
import type { ProjectSession } from './session';
import { projectSplitSettings } from './splitSettings';
import { defaultSplit } from './splits';

/** Files are saved in transactions of a chunk each: the library fills in as the add goes on. */
const CHUNK = 256;

/**
 * Adds image files and folders. Nothing about one file can fail the whole call: a missing, unreadable
 * or non-image file is listed in `failed` with the reason, a file already in the project in `duplicates`.
 */
export function addImages(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { paths: string[]; recursive: boolean },
): Promise<AddImagesResult> {
  return withProgress(ctx.events, 'images.add', 'Adding images', async (progress) => {
    const failed: AddImagesResult['failed'] = [];
    const duplicates: AddImagesResult['duplicates'] = [];
    const files = await expand(input.paths, input.recursive, failed);
    const { seed, valFraction } = projectSplitSettings(session.store);
    const batchSha = new Map<string, string>();
    let added = 0;
    progress.update(0, files.length);
    for (let start = 0; start < files.length; start += CHUNK) {
      const chunk = files.slice(start, start + CHUNK);
      const probes = await probeFiles(
        chunk,
        (done) => progress.update(start + done, files.length),
        () => session.checkOpen(),
      );
      session.checkOpen();
      const rows: NewImage[] = [];
      chunk.forEach((file, i) => {
        const probe = probes[i]!;
        if (probe instanceof Error) {
          failed.push({ path: file, reason: probe.message });
          return;
        }
        const stored = session.storedPath(file);
        const same =
          session.store.images.findByPath(stored)?.path ??
          batchSha.get(probe.sha256) ??
          session.store.images.findBySha256(probe.sha256)?.path;
        if (same !== undefined) {
          duplicates.push({ path: file, sameAs: same });
          return;
        }
        batchSha.set(probe.sha256, stored);
        rows.push({
          path: stored,
          fileName: path.basename(file),
          sha256: probe.sha256,
          bytes: probe.bytes,
          format: probe.format,
          width: probe.width,
          height: probe.height,
          orientation: probe.orientation,
          split: defaultSplit(probe.sha256, seed, valFraction),
        });
      });
      added += session.store.images.insertMany(rows).length;
      progress.update(start + chunk.length, files.length);
    }
    session.refreshCounts();
    if (added > 0) {
      ctx.imagesChanged(null);
      ctx.projectChanged();
    }
    return { added, duplicates, failed };
  });
}

/** Files named directly are taken whatever their extension (the content decides); folders are scanned. */
async function expand(
  paths: string[],
  recursive: boolean,
  failed: AddImagesResult['failed'],
): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    const s = await stat(abs).catch(() => null);
    if (!s) {
      failed.push({ path: abs, reason: 'file not found' });
    } else if (s.isDirectory()) {
      files.push(
        ...(await listImageFiles(abs, {
          recursive,
          // A project's own data folder holds thumbnails, which are images too.
          skipDir: isDataDir,
          onError: (dir, e) =>
            failed.push({ path: dir, reason: `cannot list the folder (${(e as Error).message})` }),
        })),
      );
    } else {
      files.push(abs);
    }
  }
  return [...new Set(files)];
}
