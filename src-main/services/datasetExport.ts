import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportFileNames, type ExportDataset } from '../formats/exportDataset';
import { writeExportFolder } from '../formats/exportFiles';
import { layoutExport } from '../formats/write';
import type { DatasetFormat, ExportReport } from '../shared/api/project';
import type { ServiceContext } from './context';
import { FORMAT_LABEL } from './datasetImport';
import { withProgress } from './progress';
import type { ProjectSession } from './session';

/**
 * Exports classes (in project order), boxes and splits with a copy of each image, ready for other tools.
 * By default only labeled images go out: an unlabeled image in a dataset reads as "nothing here".
 */
export function exportDataset(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { format: DatasetFormat; dir: string; include: 'labeled' | 'all' },
): Promise<ExportReport> {
  return withProgress(
    ctx.events,
    'dataset.export',
    `Exporting ${FORMAT_LABEL[input.format]}`,
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
          boxes: (boxes.get(img.id) ?? []).map((b) => ({
            classIndex: classIndex.get(b.classId)!,
            box: { x: b.x, y: b.y, w: b.w, h: b.h },
          })),
        })),
      };
      const layout = layoutExport(input.format, dataset);
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
      };
    },
  );
}
