import type { BoxXYWH } from '../shared/api/project';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import { clipToImage } from '../shared/geometry';
import type { NewBox } from '../store/boxes';
import type { ServiceContext } from './context';
import type { ProjectSession } from './session';

type BoxHandlers = Pick<Handlers, 'boxes.get' | 'boxes.edit' | 'boxes.replace'>;

export function boxHandlers(ctx: ServiceContext): BoxHandlers {
  return {
    'boxes.get': ({ imageId }) => {
      const { store } = ctx.project();
      if (!store.images.file(imageId)) throw new AppError('not_found', `No image with id ${imageId}`);
      return store.boxes.forImage(imageId);
    },

    'boxes.edit': ({ imageId, add, update, delete: remove }) => {
      const s = ctx.project();
      const fit = imageRules(s, imageId);
      const own = s.store.boxes.idsOf(imageId);
      for (const id of [...update.map((b) => b.id), ...remove]) {
        if (!own.has(id)) throw new AppError('not_found', `Box ${id} is not a box of image ${imageId}`);
      }
      const edit = {
        add: add.map((b, i) => ({
          ...fit(b, b.classId, `add[${i}]`),
          source: b.source,
          score: b.score,
          id: b.id,
        })),
        update: update.map((b, i) => ({ ...fit(b, b.classId, `update[${i}]`), id: b.id })),
        delete: remove,
      };
      const { added, updated, deleted } = s.store.boxes.edit(imageId, edit);
      s.counts.boxes += added.length - deleted;
      const image = s.store.images.get(imageId, s.store.latestModelId())!;
      ctx.imagesChanged([imageId]);
      if (added.length !== deleted) ctx.projectChanged();
      return { added, updated, image };
    },

    'boxes.replace': ({ imageId, boxes }) => {
      const s = ctx.project();
      const fit = imageRules(s, imageId);
      const rows: NewBox[] = boxes.map((b, i) => ({
        ...fit(b, b.classId, `boxes[${i}]`),
        source: b.source,
        score: b.score,
      }));
      const { boxes: saved, removed } = s.store.boxes.replace(imageId, rows);
      s.counts.boxes += saved.length - removed;
      ctx.imagesChanged([imageId]);
      ctx.projectChanged();
      return saved;
    },
  };
}

/**
 * What a box of this image must be before it is saved: of a class that exists, clipped to the image
 * (the shared geometry rules), and not empty once clipped.
 */
function imageRules(s: ProjectSession, imageId: number) {
  const img = s.store.images.file(imageId);
  if (!img) throw new AppError('not_found', `No image with id ${imageId}`);
  const known = new Set<number>();
  return (b: BoxXYWH, classId: number, where: string): BoxXYWH & { classId: number } => {
    if (!known.has(classId)) {
      if (!s.store.classes.has(classId)) {
        throw new AppError('invalid_request', `${where}: no class with id ${classId}`);
      }
      known.add(classId);
    }
    const clipped = clipToImage(b, img);
    if (!clipped) {
      throw new AppError(
        'invalid_request',
        `${where}: the box lies outside the ${img.width}×${img.height} image`,
      );
    }
    return { ...clipped, classId };
  };
}
