import { realpath, stat } from 'node:fs/promises';
import { hashFile } from '../imaging/probe';
import { UnreadableImageError } from '../imaging/unreadable';
import type { ImageFile } from '../store/images';
import type { ServiceContext } from './context';
import { CHANGED_FILE_PROBLEM, isFileProblem, MISSING_FILE_PROBLEM } from './fileProblems';
import type { ProjectSession } from './session';

/** What an image route sends: a file, and its type as the app knows it (never guessed from the name). */
export interface ServedImage {
  path: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
};

/**
 * The file behind `dws-image://image/<id>` and `.../thumb/<id>`: only images of the open project, looked
 * up by id (a TIFF is served as its display copy), and only while the file is still the one that was
 * added (see `checkImageFile`). A file found missing, changed or undecodable here is flagged on the
 * image for the library to show, and not served.
 */
export async function resolveImage(
  ctx: ServiceContext,
  kind: 'image' | 'thumb',
  imageId: number,
): Promise<ServedImage | null> {
  const session = ctx.current;
  const img = session?.store.images.file(imageId);
  if (!session || !img) return null;
  const flag = (problem: string | null) => {
    if (session.closed || img.problem === problem) return;
    session.store.images.setProblems([{ id: imageId, problem }]);
    ctx.imagesChanged([imageId]);
  };
  const checked = await checkImageFile(session, img);
  if (checked.state !== 'ok') {
    flag(checked.state === 'missing' ? MISSING_FILE_PROBLEM : CHANGED_FILE_PROBLEM);
    return null;
  }
  const file = checked.realPath;
  try {
    // An image flagged as undecodable is shown again only once it decodes (a thumbnail is made).
    if (kind === 'thumb' || (img.problem !== null && !isFileProblem(img.problem))) {
      const thumb = await session.thumbs.get(file, img.sha256);
      if (img.problem !== null) flag(null);
      if (kind === 'thumb') return { path: thumb, contentType: 'image/webp' };
    } else if (img.problem !== null) {
      flag(null);
    }
    const display = await session.thumbs.display(file, img.sha256, img.format);
    return {
      path: display,
      contentType: display === file ? (CONTENT_TYPES[img.format] ?? 'application/octet-stream') : 'image/png',
    };
  } catch (e) {
    if (e instanceof UnreadableImageError) {
      flag(e.message);
      return null;
    }
    throw e;
  }
}

/**
 * Is the file at the image's path still the file that was added? Yes when its real path (symbolic
 * links resolved), size and modification time are as recorded. When any differs (the project folder
 * moved, a backup tool touched the file, the path became a link), its content decides: the same bytes
 * are the same image, and the new identity is recorded; other bytes are another file, never served.
 */
export async function checkImageFile(
  session: ProjectSession,
  img: ImageFile,
): Promise<{ state: 'ok'; realPath: string } | { state: 'missing' | 'changed' }> {
  const real = await realpath(session.absolutePath(img.path)).catch(() => null);
  const info = real === null ? null : await stat(real).catch(() => null);
  if (real === null || !info?.isFile()) return { state: 'missing' };
  if (real === img.realPath && info.size === img.bytes && info.mtimeMs === img.mtimeMs) {
    return { state: 'ok', realPath: real };
  }
  if (info.size !== img.bytes || (await hashFile(real).catch(() => null)) !== img.sha256) {
    return { state: 'changed' };
  }
  if (!session.closed) session.store.images.setIdentity(img.id, real, info.mtimeMs);
  return { state: 'ok', realPath: real };
}
