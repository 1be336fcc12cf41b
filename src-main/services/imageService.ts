import { AppError } from '../shared/errors';
import type { Handlers } from '../shared/contract';
import type { ServiceContext } from './context';
import { addImages } from './imageAdd';
import type { ProjectSession } from './session';
import { saveSplitSettings } from './splitSettings';
import { assignSplits } from './splits';

type ImageHandlers = Pick<
  Handlers,
  | 'images.add'
  | 'images.list'
  | 'images.get'
  | 'images.rows'
  | 'images.locate'
  | 'images.setStatus'
  | 'images.setSplit'
  | 'images.assignSplits'
  | 'images.remove'
>;

export function imageHandlers(ctx: ServiceContext): ImageHandlers {
  return {
    'images.add': (input) => addImages(ctx, ctx.project(), input),
    'images.list': (q) => {
      const { store } = ctx.project();
      const page = store.images.list({ ...q, latestModelId: store.latestModelId() });
      return { total: page.total, offset: q.offset, items: page.items };
    },
    'images.get': ({ id }) => {
      const { store } = ctx.project();
      const img = store.images.get(id, store.latestModelId());
      if (!img) throw new AppError('not_found', `No image with id ${id}`);
      return img;
    },
    'images.rows': ({ ids }) => {
      const { store } = ctx.project();
      return store.images.rows(ids, store.latestModelId());
    },
    'images.locate': ({ id, filter, order }) => {
      const { store } = ctx.project();
      return { index: store.images.locate(id, filter, order, store.latestModelId()) };
    },
    'images.setStatus': ({ ids, status }) => {
      const s = ctx.project();
      requireImages(s, ids);
      s.store.images.setStatus(ids, status);
      ctx.imagesChanged(ids);
      return null;
    },
    'images.setSplit': ({ ids, split }) => {
      const s = ctx.project();
      requireImages(s, ids);
      s.store.images.setSplits(ids.map((id) => ({ id, split })));
      ctx.imagesChanged(ids);
      return null;
    },
    'images.assignSplits': ({ valFraction, seed }) => {
      const { store } = ctx.project();
      const splits = assignSplits(store.images.files(), seed, valFraction);
      store.db.transaction(() => {
        store.images.setSplits(splits);
        saveSplitSettings(store, seed, valFraction);
      })();
      ctx.imagesChanged(null);
      const val = splits.filter((s) => s.split === 'val').length;
      return { train: splits.length - val, val };
    },
    'images.remove': async ({ ids }) => {
      const s = ctx.project();
      requireImages(s, ids);
      const removed = ids.map((id) => s.store.images.file(id)!.sha256);
      s.store.images.remove(ids);
      s.refreshCounts();
      // Thumbnails are named by content: one goes only when no image of that content is left.
      const gone = [...new Set(removed)].filter((sha) => !s.store.images.findBySha256(sha));
      await Promise.all(gone.map((sha) => s.thumbs.remove(sha)));
      ctx.imagesChanged(null);
      ctx.projectChanged();
      return null;
    },
  };
}

function requireImages(s: ProjectSession, ids: readonly number[]): void {
  const missing = s.store.images.missingIds(ids);
  if (missing.length > 0) {
    throw new AppError(
      'not_found',
      `No image with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '...' : ''}`,
    );
  }
}
