// Inspect: for one labeled box and one model, the per-point maps behind DW's weights (and FCOS's
// targets), computed by the trainer process on the image exactly as training would see it.
import type { InspectResult } from '../shared/api/training';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { ServiceContext } from './context';
import { resolveModel } from './modelFiles';
import type { TrainerHost } from './trainerHost';

export function inspectHandlers(ctx: ServiceContext, trainer: TrainerHost): Pick<Handlers, 'inspect.run'> {
  return {
    'inspect.run': async ({ modelId, imageId, boxId }) => {
      const session = ctx.project();
      const model = resolveModel(session, modelId);
      const image = session.store.images.file(imageId);
      if (!image) throw new AppError('not_found', `Image ${imageId} does not exist`);
      if (image.problem) throw new AppError('io_error', `${image.fileName} cannot be read: ${image.problem}`);
      const boxes = session.store.boxes.forImage(imageId);
      const boxIndex = boxes.findIndex((b) => b.id === boxId);
      if (boxIndex < 0) throw new AppError('not_found', `Box ${boxId} is not a label of ${image.fileName}`);
      const classIndex = new Map(model.meta.classes.map((c, i) => [c.id, i]));
      // Boxes of classes the model never saw cannot be assigned; they are left out (the chosen one must be known).
      const known = boxes.map((b, i) => ({ b, i })).filter(({ b }) => classIndex.has(b.classId));
      const chosen = known.findIndex(({ i }) => i === boxIndex);
      if (chosen < 0) {
        throw new AppError(
          'invalid_request',
          'This box’s class was added after the model was trained: train again to inspect it.',
        );
      }
      const job = trainer.host().run(
        {
          kind: 'inspect',
          jobId: `inspect-${Date.now()}`,
          modelDir: model.dir,
          image: {
            id: image.id,
            path: session.absolutePath(image.path),
            width: image.width,
            height: image.height,
          },
          boxes: known.map(({ b }) => [b.x, b.y, b.w, b.h]),
          labels: known.map(({ b }) => classIndex.get(b.classId)!),
          boxIndex: chosen,
        },
        () => {},
      );
      const { result: r } = await job.done;
      if (!r) throw new AppError('internal', 'The inspection was stopped before it finished.');
      const m = r.maps;
      const out: InspectResult = {
        modelId,
        imageId,
        boxId,
        inputSize: r.inputSize,
        scale: r.scale,
        levels: m.strides.map((stride, l) => ({
          stride,
          height: m.levelSizes[l]!.height,
          width: m.levelSizes[l]!.width,
          offset: m.levelStarts[l]!,
        })),
        maps: {
          score: Array.from(m.score),
          iou: Array.from(m.iou),
          prior: Array.from(m.centerPrior),
          wPos: Array.from(m.wPos),
          wNeg: Array.from(m.wNeg),
          fcosPositive: Array.from(m.fcosPositive),
          fcosCenterness: Array.from(m.fcosCenterness),
        },
      };
      return out;
    },
  };
}
