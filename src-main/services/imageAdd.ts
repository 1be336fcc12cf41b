import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside, realPathOf } from '../formats/safePath';
import { listImageFiles } from '../imaging/scan';
import type { AddImagesResult } from '../shared/api/project';
import type { NewImage } from '../store/images';
import type { ServiceContext } from './context';
import { inspectImageFiles, newImageRow } from './inspectFiles';
import { withProgress } from './progress';
import { isDataDir } from './projectPaths';
import type { ProjectSession } from './session';
import { projectSplitSettings } from './splitSettings';

/** Files are saved in transactions of a chunk each: the library fills in as the add goes on. */
const CHUNK = 256;

/**
 * Adds image files and folders. Nothing about one file can fail the whole call: a missing, unreadable,
 * damaged or non-image file is listed in `failed` with the reason, a file already in the project in
 * `duplicates`, and a file added only with a warning (a JPEG short at its end) in `warnings`.
 */
export function addImages(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { paths: string[]; recursive: boolean },
): Promise<AddImagesResult> {
  return withProgress(ctx.events, 'images.add', 'Adding images', async (progress) => {
    const failed: AddImagesResult['failed'] = [];
    const duplicates: AddImagesResult['duplicates'] = [];
    const warnings: AddImagesResult['warnings'] = [];
    const files = await expand(input.paths, input.recursive, failed);
    const settings = projectSplitSettings(session.store);
    const batchSha = new Map<string, string>();
    let added = 0;
    progress.update(0, files.length);
    for (let start = 0; start < files.length; start += CHUNK) {
      const chunk = files.slice(start, start + CHUNK);
      const inspected = await inspectImageFiles(
        chunk,
        (done) => progress.update(start + done, files.length),
        () => session.checkOpen(),
        session.verdicts,
      );
      session.checkOpen();
      const rows: NewImage[] = [];
      chunk.forEach((file, i) => {
        const probe = inspected[i]!;
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
        if (probe.warning) warnings.push({ path: file, reason: probe.warning });
        batchSha.set(probe.sha256, stored);
        rows.push(newImageRow(session, file, probe, settings));
      });
      added += session.store.images.insertMany(rows).length;
      progress.update(start + chunk.length, files.length);
    }
    session.refreshCounts();
    if (added > 0) {
      ctx.imagesChanged(null);
      ctx.projectChanged();
    }
    return { added, duplicates, failed, warnings };
  });
}

/**
 * Files named directly are taken whatever their extension (the content decides); folders are scanned,
 * and a file found in one must really be inside it: a symbolic link out of the folder is refused.
 */
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
      const found = await listImageFiles(abs, {
        recursive,
        // A project's own data folder holds thumbnails, which are images too.
        skipDir: isDataDir,
        onError: (dir, e) =>
          failed.push({ path: dir, reason: `cannot list the folder (${(e as Error).message})` }),
      });
      const root = realPathOf(abs) ?? abs;
      for (const f of found) {
        const real = realPathOf(f);
        if (real === null || isInside(root, real)) files.push(f);
        else failed.push({ path: f, reason: `a link to ${real}, outside the folder ${abs}` });
      }
    } else {
      files.push(abs);
    }
  }
  return [...new Set(files)];
}
