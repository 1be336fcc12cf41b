import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportFileNames, type ExportDataset } from '../formats/exportDataset';
import { writeExportFolder } from '../formats/exportFiles';
import { configFileName, OFFICIAL_IMG_SCALE, writeMmdetDw, type MmdetDwPlan } from '../formats/mmdetDw';
import { layoutExport } from '../formats/write';
import { MmdetDwSettings, type ExportFormat, type ExportReport } from '../shared/api/project';
import { AppError } from '../shared/errors';
import { runSettings } from '../shared/runSettings';
import type { ServiceContext } from './context';
import { FORMAT_LABEL } from './datasetImport';
import { withProgress } from './progress';
import type { ProjectSession } from './session';

const EXPORT_LABEL: Record<ExportFormat, string> = { ...FORMAT_LABEL, 'mmdet-dw': 'mmdetection DW' };

/**
 * Exports classes (in project order), boxes and splits with a copy of each image, ready for other tools.
 * By default only labeled images go out: an unlabeled image in a dataset reads as "nothing here".
 */
export function exportDataset(
  ctx: ServiceContext,
  session: ProjectSession,
  input: {
    format: ExportFormat;
    dir: string;
    include: 'labeled' | 'all';
    mmdet?: MmdetDwSettings | undefined;
  },
): Promise<ExportReport> {
  if (input.mmdet && input.format !== 'mmdet-dw')
    throw new AppError('invalid_request', 'mmdet settings go with the mmdet-dw format only');
  return withProgress(
    ctx.events,
    'dataset.export',
    `Exporting ${EXPORT_LABEL[input.format]}`,
    async (progress) => {
      const { store } = session;
      const classes = store.classes.list();
      const classIndex = new Map(classes.map((c, i) => [c.id, i]));
      const boxes = store.boxes.byImage();
      const all = store.images.files();
      const chosen = all.filter(
        (img) => input.include === 'all' || img.status !== 'unlabeled' || boxes.has(img.id),
      );
      const present = chosen.filter((img) => existsSync(session.absolutePath(img.path)));
      const warnings: string[] = [];
      if (present.length < chosen.length) {
        warnings.push(`${chosen.length - present.length} images were left out: their files are missing`);
      }
      const names = exportFileNames(present);
      const dataset: ExportDataset = {
        classes: classes.map((c) => c.name),
        images: present.map((img) => ({
          name: names.get(img.id)!,
          width: img.width,
          height: img.height,
          split: img.split,
          labeled: img.status !== 'unlabeled' || boxes.has(img.id),
          boxes: (boxes.get(img.id) ?? []).map((b) => ({
            classIndex: classIndex.get(b.classId)!,
            box: { x: b.x, y: b.y, w: b.w, h: b.h },
          })),
        })),
      };
      let plan: MmdetDwPlan | null = null;
      if (input.format === 'mmdet-dw') {
        plan = mmdetPlan(ctx, session, input.mmdet ?? MmdetDwSettings.parse({}), warnings);
        const train = dataset.images.filter((im) => im.labeled && im.split === 'train').length;
        if (train === 0)
          throw new AppError(
            'conflict',
            `${session.info().name} has no labeled images in the train split: there is nothing to train on`,
          );
        if (!dataset.images.some((im) => im.labeled && im.split === 'val'))
          warnings.push(
            'No validation images: train with --no-validate (README.md), or move some images to val',
          );
      }
      const layout =
        input.format === 'mmdet-dw' ? writeMmdetDw(dataset, plan!) : layoutExport(input.format, dataset);
      const copies = present.map((img) => ({
        from: session.absolutePath(img.path),
        to: layout.imagePaths.get(names.get(img.id)!)!,
      }));
      const dir = path.resolve(input.dir);
      await writeExportFolder(
        dir,
        layout.files,
        copies,
        (done, total) => progress.update(done, total),
        layout.folders,
      );
      return {
        format: input.format,
        dir,
        images: present.length,
        boxes: dataset.images.reduce((n, img) => n + img.boxes.length, 0),
        files: layout.files.length + copies.length,
        skipped: all.length - present.length,
        warnings,
        guide: plan ? path.join(dir, 'README.md') : null,
        config: plan ? path.join(dir, configFileName(plan)) : null,
      };
    },
  );
}

/** The cluster run of an mmdet-dw export; refinement as a run here would use it (`runSettings`). */
function mmdetPlan(
  ctx: ServiceContext,
  session: ProjectSession,
  settings: MmdetDwSettings,
  warnings: string[],
): MmdetDwPlan {
  const imgScale: [number, number] =
    settings.size === null ? [...OFFICIAL_IMG_SCALE] : [settings.size, settings.size];
  const run = runSettings({ assigner: 'dw', refine: settings.refine, size: imgScale[0] });
  if (run.refineDropped) warnings.push(run.refineDropped);
  return {
    project: session.info().name,
    writtenBy: `DW Studio ${ctx.options.appVersion}`,
    refine: run.refine,
    imgScale,
    epochs: settings.epochs,
    gpus: settings.gpus,
    imagesPerGpu: settings.imagesPerGpu,
  };
}
