import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { NewBox } from '../store/boxes';
import { clipToImage } from './boxRules';
import type { ServiceContext } from './context';

type BoxHandlers = Pick<Handlers, 'boxes.get' | 'boxes.replace'>;

export function boxHandlers(ctx: ServiceContext): BoxHandlers {
  return {
    'boxes.get': ({ imageId }) => {
      const { store } = ctx.project();
      if (!store.images.file(imageId)) throw new AppError('not_found', `No image with id ${imageId}`);
      return store.boxes.forImage(imageId);
    },
    'boxes.replace': ({ imageId, boxes }) => {
      const s = ctx.project();
      const img = s.store.images.file(imageId);
      if (!img) throw new AppError('not_found', `No image with id ${imageId}`);
      const known = new Set<number>();
      const rows: NewBox[] = boxes.map((b, i) => {
        if (!known.has(b.classId)) {
          if (!s.store.classes.has(b.classId)) {
            throw new AppError('invalid_request', `boxes[${i}]: no class with id ${b.classId}`);
          }
          known.add(b.classId);
        }
        const clipped = clipToImage(b, img.width, img.height);
        if (!clipped) {
          throw new AppError(
            'invalid_request',
            `boxes[${i}]: the box lies outside the ${img.width}×${img.height} image`,
          );
        }
        return { ...clipped, classId: b.classId, source: b.source, score: b.score };
      });
      const { boxes: saved, removed } = s.store.boxes.replace(imageId, rows);
      s.counts.boxes += saved.length - removed;
      ctx.imagesChanged([imageId]);
      ctx.projectChanged();
      return saved;
    },
  };
}
