import { stat } from 'node:fs/promises';
import { UnreadableImageError } from '../imaging/unreadable';
import type { ServiceContext } from './context';
import { MISSING_FILE_PROBLEM } from './projectService';

/**
 * The file behind `dws-image://image/<id>` and `.../thumb/<id>`: only images of the open project, looked
 * up by id (a TIFF is served as its display copy). A file found missing or undecodable here is flagged
 * on the image for the library to show.
 */
export async function resolveImage(
  ctx: ServiceContext,
  kind: 'image' | 'thumb',
  imageId: number,
): Promise<string | null> {
  const session = ctx.current;
  const img = session?.store.images.file(imageId);
  if (!session || !img) return null;
  const file = session.absolutePath(img.path);
  const flag = (problem: string | null) => {
    if (session.closed || img.problem === problem) return;
    session.store.images.setProblems([{ id: imageId, problem }]);
    ctx.imagesChanged([imageId]);
  };
  const exists = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    flag(MISSING_FILE_PROBLEM);
    return null;
  }
  if (img.problem === MISSING_FILE_PROBLEM) flag(null);
  try {
    return kind === 'image'
      ? await session.thumbs.display(file, img.sha256, img.format)
      : await session.thumbs.get(file, img.sha256);
  } catch (e) {
    if (e instanceof UnreadableImageError) {
      flag(e.message);
      return null;
    }
    throw e;
  }
}
