// Review: a model's stored predictions against the labels — COCO mAP with per-class AP and PR
// curves, and per-image true positives, false positives and missed boxes at IoU ≥ 0.5.
import { bestF1, evaluate, matchImage } from '../eval';
import type { ModelEvaluation, ModelInfo, ReviewRow } from '../shared/api/training';
import type { Handlers } from '../shared/contract';
import type { Box } from '../shared/api/project';
import type { PredictionRow } from '../store/training';
import type { ServiceContext } from './context';
import { requireModel } from './modelFiles';
import { uncertaintyOf } from './predictionStore';
import type { ProjectSession } from './session';

const xywh = (b: { x: number; y: number; w: number; h: number }) => [b.x, b.y, b.w, b.h] as const;

function matchOne(labels: readonly Box[], preds: readonly PredictionRow[], threshold: number) {
  return matchImage(
    labels.map((b) => ({ classId: b.classId, box: xywh(b) })),
    preds.map((p) => ({ classId: p.classId, box: xywh(p), score: p.score })),
    { iouThreshold: 0.5, minScore: threshold },
  );
}

/** Images the model has predicted that carry labels (status labeled or reviewed). */
function labeledPredicted(session: ProjectSession, modelId: number) {
  const predicted = new Set(session.store.training.predictedImageIds(modelId));
  return session.store.images.files().filter((im) => predicted.has(im.id) && im.status !== 'unlabeled');
}

const bestF1Cache = new WeakMap<ProjectSession, Map<number, ModelInfo['bestF1']>>();

/**
 * The score threshold of a model's best F1 on the labeled validation images it has predicted (the
 * last validation of its run stores those predictions), remembered per model until it predicts again.
 */
export function modelBestF1(session: ProjectSession, modelId: number): ModelInfo['bestF1'] {
  let cache = bestF1Cache.get(session);
  if (!cache) bestF1Cache.set(session, (cache = new Map()));
  if (cache.has(modelId)) return cache.get(modelId)!;
  const images = labeledPredicted(session, modelId).filter((im) => im.split === 'val');
  const ids = new Set(images.map((im) => im.id));
  const byImage = session.store.boxes.byImage();
  const preds = new Map<number, PredictionRow[]>();
  for (const p of session.store.training.allPredictions(modelId)) {
    if (!ids.has(p.imageId)) continue;
    const list = preds.get(p.imageId);
    if (list) list.push(p);
    else preds.set(p.imageId, [p]);
  }
  const scores: number[] = [];
  const found: boolean[] = [];
  let labels = 0;
  for (const im of images) {
    const own = preds.get(im.id) ?? [];
    const boxes = byImage.get(im.id) ?? [];
    const m = matchOne(boxes, own, 0);
    own.forEach((p, i) => (scores.push(p.score), found.push(m.labelOf[i]! >= 0)));
    labels += boxes.length;
  }
  const best = bestF1(scores, found, labels);
  const result = best && { score: best.score, f1: best.f1, images: images.length };
  cache.set(modelId, result);
  return result;
}

/** A model predicted again: its best-F1 threshold is measured again when next asked for. */
export function forgetBestF1(session: ProjectSession, modelId: number): void {
  bestF1Cache.get(session)?.delete(modelId);
}

export function evaluateModel(
  session: ProjectSession,
  modelId: number,
  split: 'val' | 'train' | 'all',
): ModelEvaluation {
  requireModel(session, modelId);
  const images = labeledPredicted(session, modelId).filter((im) => split === 'all' || im.split === split);
  const ids = new Set(images.map((im) => im.id));
  const byImage = session.store.boxes.byImage();
  const classes = session.store.classes.list();
  const result = evaluate({
    images: images.map((im) => ({ id: im.id })),
    gts: images.flatMap((im) =>
      (byImage.get(im.id) ?? []).map((b) => ({
        imageId: im.id,
        classId: b.classId,
        box: xywh(b),
        area: b.w * b.h,
      })),
    ),
    dets: session.store.training
      .allPredictions(modelId)
      .filter((p) => ids.has(p.imageId))
      .map((p) => ({ imageId: p.imageId, classId: p.classId, box: xywh(p), score: p.score })),
    classIds: classes.map((c) => c.id),
  });
  const name = new Map(classes.map((c) => [c.id, c.name]));
  const undefinedCurve = () => new Array<number>(101).fill(-1);
  return {
    modelId,
    stats: { ...result.summary },
    perClass: result.perClass.map((c) => ({
      classId: c.classId,
      name: name.get(c.classId) ?? String(c.classId),
      AP: c.AP,
      AP50: c.AP50,
      gt: c.numGt,
    })),
    curves: result.perClass.map((c) => ({
      classId: c.classId,
      precision50: c.curve?.precision50 ?? undefinedCurve(),
      precision: c.curve?.precisionMean ?? undefinedCurve(),
    })),
    images: images.length,
  };
}

export function reviewHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'review.evaluate' | 'review.images' | 'review.image'> {
  return {
    'review.evaluate': ({ modelId, split }) => evaluateModel(ctx.project(), modelId, split),

    'review.images': ({ modelId, scoreThreshold, sort, offset, limit }) => {
      const session = ctx.project();
      requireModel(session, modelId);
      const predicted = new Set(session.store.training.predictedImageIds(modelId));
      const images = session.store.images.files().filter((im) => predicted.has(im.id));
      const byImage = session.store.boxes.byImage();
      const preds = new Map<number, PredictionRow[]>();
      for (const p of session.store.training.allPredictions(modelId)) {
        const list = preds.get(p.imageId);
        if (list) list.push(p);
        else preds.set(p.imageId, [p]);
      }
      const rows: ReviewRow[] = images.map((im) => {
        const labeled = im.status !== 'unlabeled';
        const own = preds.get(im.id) ?? [];
        const m = matchOne(labeled ? (byImage.get(im.id) ?? []) : [], own, scoreThreshold);
        // Against no labels every detection above the threshold is a "false positive": that is `found`.
        const found = m.truePositives.length + m.falsePositives.length;
        return {
          imageId: im.id,
          fileName: im.fileName,
          split: im.split,
          labeled,
          // Nothing to be wrong against on an unlabeled image: it is not an error, nor sorted as one.
          tp: labeled ? m.truePositives.length : 0,
          fp: labeled ? m.falsePositives.length : 0,
          fn: m.missed.length,
          found,
          // This model's own (the stored column is the newest model's, for the Library).
          uncertainty: uncertaintyOf(own.map((p) => p.score)),
        };
      });
      const byName = (a: ReviewRow, b: ReviewRow) =>
        a.fileName.localeCompare(b.fileName) || a.imageId - b.imageId;
      rows.sort(
        sort === 'errors'
          ? (a, b) => b.fp + b.fn - (a.fp + a.fn) || byName(a, b)
          : sort === 'uncertainty'
            ? (a, b) => b.uncertainty - a.uncertainty || byName(a, b)
            : byName,
      );
      return { total: rows.length, items: rows.slice(offset, offset + limit) };
    },

    'review.image': ({ modelId, imageId, scoreThreshold }) => {
      const session = ctx.project();
      const image = session.store.images.file(imageId);
      const labeled = image !== undefined && image.status !== 'unlabeled';
      const labels = labeled ? session.store.boxes.forImage(imageId) : [];
      const preds = session.store.training
        .predictions(modelId, imageId)
        .filter((p) => p.score >= scoreThreshold);
      const m = matchOne(labels, preds, scoreThreshold);
      return {
        labeled,
        predictions: preds.map((p, i) => ({
          id: p.id,
          classId: p.classId,
          x: p.x,
          y: p.y,
          w: p.w,
          h: p.h,
          score: p.score,
          state: p.state,
          matchedBoxId: m.labelOf[i]! >= 0 ? labels[m.labelOf[i]!]!.id : null,
        })),
        missedBoxIds: m.missed.map((i) => labels[i]!.id),
      };
    },
  };
}
