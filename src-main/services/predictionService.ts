// Running a model over images, its stored predictions (pending suggestions), and their export.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Prediction } from '../shared/api/training';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { Detection } from '../training/protocol';
import type { ServiceContext } from './context';
import { requireModel, resolveModel, toModelInfo } from './modelFiles';
import { exportModel } from './modelExport';
import { importPredictions } from './predictionImport';
import { savePredictionBatch } from './predictionStore';
import { forgetBestF1, modelBestF1 } from './reviewService';
import type { TrainerHost } from './trainerHost';

type Scope = 'unlabeled' | 'all' | 'val' | 'selected';

export function predictionHandlers(
  ctx: ServiceContext,
  trainer: TrainerHost,
): Pick<
  Handlers,
  | 'models.list'
  | 'models.export'
  | 'predict.run'
  | 'predictions.get'
  | 'predictions.latest'
  | 'predictions.resolve'
  | 'predictions.export'
  | 'predictions.import'
> {
  return {
    'models.list': () => {
      const session = ctx.project();
      return session.store.training.models().map((row) => toModelInfo(row, modelBestF1(session, row.id)));
    },

    'models.export': (input) => exportModel(ctx, ctx.project(), input),

    'predict.run': async ({ modelId, scope, imageIds }) => {
      const session = ctx.project();
      const model = resolveModel(session, modelId);
      const images = imagesFor(ctx, scope, imageIds);
      if (images.length === 0) return { images: 0, predictions: 0 };
      const taskId = `predict-${modelId}-${Date.now()}`;
      const progress = (done: number, state: 'running' | 'done' | 'failed' = 'running', message?: string) =>
        ctx.events.emit('task.progress', {
          taskId,
          kind: 'predict',
          label: `Predicting with ${model.row.name ?? `model ${modelId}`}`,
          done,
          total: images.length,
          state,
          ...(message ? { message } : {}),
        });
      progress(0);
      // Detections arrive per batch and progress says how many images are complete: each batch of
      // complete images is stored in one transaction, so a crash loses at most the batch in flight.
      let pending: Detection[] = [];
      let stored = 0;
      let saved = 0;
      // Images the trainer could not decode: skipped, and named when the task ends.
      const skipped = new Map<number, string>();
      const flush = (done: number) => {
        const ids = images
          .slice(stored, done)
          .map((im) => im.id)
          .filter((id) => !skipped.has(id));
        const keep = new Set(ids);
        saved += savePredictionBatch(
          session,
          modelId,
          model.meta.classes,
          ids,
          pending.filter((d) => keep.has(d.imageId)),
        );
        pending = pending.filter((d) => !keep.has(d.imageId));
        stored = done;
      };
      let job;
      try {
        job = trainer.host().run(
          {
            kind: 'predict',
            jobId: taskId,
            modelDir: model.dir,
            images,
            scoreThreshold: 0.05,
            workers: trainer.workers(),
          },
          (e) => {
            if (session.closed) return;
            if (e.type === 'detections') pending.push(...e.detections);
            else if (e.type === 'skipped') skipped.set(e.image.imageId, path.basename(e.image.path));
            else if (e.type === 'progress') {
              flush(e.done);
              progress(e.done);
            }
          },
        );
      } catch (e) {
        progress(0, 'failed', (e as Error).message);
        throw e;
      }
      try {
        await job.done;
      } catch (e) {
        progress(stored, 'failed', `Prediction failed: ${(e as Error).message}`);
        throw new AppError('internal', `Prediction failed: ${(e as Error).message}`);
      }
      const names = [...skipped.values()];
      progress(
        images.length,
        'done',
        names.length === 0
          ? undefined
          : `${names.length} image${names.length === 1 ? '' : 's'} could not be decoded and ${names.length === 1 ? 'was' : 'were'} skipped: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`,
      );
      forgetBestF1(session, modelId);
      ctx.imagesChanged(null);
      return { images: images.length - skipped.size, predictions: saved };
    },

    'predictions.get': ({ modelId, imageId }): Prediction[] => predictionsOf(ctx, modelId, imageId),

    'predictions.latest': ({ imageId }) => {
      const modelId = ctx.project().store.training.latestPredictingModel(imageId);
      return { modelId, predictions: modelId === null ? [] : predictionsOf(ctx, modelId, imageId) };
    },

    'predictions.resolve': ({ ids, state }) => {
      ctx.project().store.training.resolvePredictions(ids, state);
      return null;
    },

    'predictions.export': ({ modelId, path: file }) => {
      const session = ctx.project();
      requireModel(session, modelId);
      const rows = session.store.training.allPredictions(modelId);
      const results = rows.map((p) => ({
        image_id: p.imageId,
        category_id: p.classId,
        bbox: [p.x, p.y, p.w, p.h],
        score: p.score,
      }));
      const target = path.resolve(file);
      try {
        writeFileSync(target, JSON.stringify(results));
      } catch (e) {
        throw new AppError('io_error', `Cannot write ${target}: ${(e as Error).message}`);
      }
      return { path: target, detections: results.length };
    },

    'predictions.import': (input) => importPredictions(ctx, ctx.project(), input),
  };
}

function imagesFor(ctx: ServiceContext, scope: Scope, ids: number[] | undefined) {
  const session = ctx.project();
  const wanted = ids ? new Set(ids) : null;
  if (scope === 'selected' && !wanted)
    throw new AppError('invalid_request', 'scope "selected" needs imageIds');
  return session.store.images
    .files()
    .filter(
      (im) =>
        !im.problem &&
        (scope === 'all' ||
          (scope === 'unlabeled' && im.status === 'unlabeled') ||
          (scope === 'val' && im.split === 'val') ||
          (scope === 'selected' && wanted!.has(im.id))),
    )
    .map((im) => ({ id: im.id, path: session.absolutePath(im.path), width: im.width, height: im.height }));
}

function predictionsOf(ctx: ServiceContext, modelId: number, imageId: number): Prediction[] {
  return ctx
    .project()
    .store.training.predictions(modelId, imageId)
    .map(({ id, classId, x, y, w, h, score, state }) => ({ id, classId, x, y, w, h, score, state }));
}
