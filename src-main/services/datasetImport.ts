import type { ReadDataset } from '../formats/dataset';
import { FormatError } from '../formats/formatError';
import { readDataset } from '../formats/read';
import type {
  DatasetFormat,
  ExistingChoice,
  ImportPreview,
  ImportReport,
  ImportUndone,
} from '../shared/api/project';
import type { ImportClass } from '../store/importBatch';
import type { ProjectStore } from '../store/projectStore';
import type { ServiceContext } from './context';
import { inspectImageFiles, type InspectedImage } from './inspectFiles';
import { imagesFor, planImport, type ImportPlanned } from './importPlan';
import { nextColor, nextHotkey } from './palette';
import { withProgress, type ProgressReporter } from './progress';
import type { ProjectSession } from './session';

export const FORMAT_LABEL: Record<DatasetFormat, string> = { coco: 'COCO', voc: 'Pascal VOC', yolo: 'YOLO' };

type DatasetSource = { format: DatasetFormat; path: string; imagesDir?: string | undefined };

/**
 * Reads a dataset and checks all of it (every box, every image decoded once) and counts what each
 * choice about images the project has already would do. Changes nothing.
 */
export function previewImport(
  ctx: ServiceContext,
  session: ProjectSession,
  input: DatasetSource,
): Promise<ImportPreview> {
  return withProgress(ctx.events, 'dataset.preview', `Checking ${FORMAT_LABEL[input.format]}`, async (p) => {
    const { data, plan } = await prepare(session, input, p);
    return {
      format: input.format,
      images: data.images.length,
      boxes: data.images.reduce((n, img) => n + img.boxes.length, 0),
      classes: data.classes.length,
      newImages: plan.fresh.length,
      newBoxes: plan.fresh.reduce((n, img) => n + img.boxes.length, 0),
      existing: {
        found: plan.found.length,
        boxes: plan.found.reduce((n, f) => n + f.boxes.length, 0),
        ...plan.effects,
      },
      duplicates: plan.duplicates,
      unsupported: unsupportedList(data),
      warnings: plan.warnings,
    };
  });
}

/**
 * Imports a dataset atomically: the files are read and every image and box is checked first, and only a
 * dataset with no error reaches the project, in one transaction. A bad file changes nothing. Images the
 * project has already are kept as they are unless `existing` says otherwise; the whole import can be
 * taken back with dataset.undoImport.
 */
export function importDataset(
  ctx: ServiceContext,
  session: ProjectSession,
  input: DatasetSource & { existing: ExistingChoice },
): Promise<ImportReport> {
  return withProgress(
    ctx.events,
    'dataset.import',
    `Importing ${FORMAT_LABEL[input.format]}`,
    async (progress) => {
      const { data, plan } = await prepare(session, input, progress);
      session.checkOpen();
      const images = imagesFor(plan, input.existing);
      const { store } = session;
      const applied = store.applyImport({ classes: plan.classes, images });
      const { undo } = applied;
      const touched = [...undo.createdImageIds, ...undo.changed.map((c) => c.id)];
      const undoId =
        touched.length > 0 || undo.createdClassIds.length > 0
          ? session.imports.record(undo, touched, store.imageFingerprints(touched))
          : null;
      session.refreshCounts();
      ctx.classesChanged();
      ctx.imagesChanged(null);
      ctx.projectChanged();
      const effect = plan.effects[input.existing];
      const foundBoxes = plan.found.reduce((n, f) => n + f.boxes.length, 0);
      return {
        format: input.format,
        images: plan.fresh.length,
        boxes: applied.boxes,
        classes: data.classes.length,
        existing: { found: plan.found.length, boxes: foundBoxes, choice: input.existing, ...effect },
        duplicates: plan.duplicates,
        unsupported: unsupportedList(data),
        warnings: plan.warnings,
        undoId,
      };
    },
  );
}

/** Takes back a whole import of this session (see ImportJournal for when it may). */
export async function undoDatasetImport(
  ctx: ServiceContext,
  session: ProjectSession,
  id: number,
): Promise<ImportUndone> {
  const { store } = session;
  const undo = session.imports.take(
    id,
    (ids) => store.imageFingerprints(ids),
    (imageId) => store.images.file(imageId)?.fileName ?? `image ${imageId}`,
  );
  const removedShas = undo.createdImageIds.map((imageId) => store.images.file(imageId)!.sha256);
  const { keptClasses } = store.undoImport(undo);
  session.refreshCounts();
  // Thumbnails are named by content: one goes only when no image of that content is left.
  const gone = [...new Set(removedShas)].filter((sha) => !store.images.findBySha256(sha));
  await Promise.all(gone.map((sha) => session.thumbs.remove(sha)));
  ctx.classesChanged();
  ctx.imagesChanged(null);
  ctx.projectChanged();
  return { removed: undo.createdImageIds.length, restored: undo.changed.length, keptClasses };
}

/** Reads the dataset, inspects every image file, and plans the import; any problem refuses it whole. */
async function prepare(
  session: ProjectSession,
  input: DatasetSource,
  progress: ProgressReporter,
): Promise<{ data: ReadDataset; plan: ImportPlanned }> {
  const data = await readDataset(input.format, input.path, { imagesDir: input.imagesDir });
  progress.update(0, data.images.length);
  const inspected = await inspectImageFiles(
    data.images.map((img) => img.path),
    (done) => progress.update(done, data.images.length),
    () => session.checkOpen(),
    session.verdicts,
  );
  const refused = inspected.flatMap((r, i) => (r instanceof Error ? [i] : []));
  if (refused.length > 0) {
    const i = refused[0]!;
    const img = data.images[i]!;
    const more = refused.length > 1 ? ` (and ${refused.length - 1} more images)` : '';
    throw new FormatError(
      img.file,
      img.where,
      `the image ${img.path} cannot be used: ${(inspected[i] as Error).message}${more}`,
    );
  }
  session.checkOpen();
  const images = inspected as InspectedImage[];
  const plan = planImport(session, data, images, planClasses(session.store, data.classes));
  const damaged = images.flatMap((img, i) =>
    img.warning ? [`${data.images[i]!.path}: ${img.warning}`] : [],
  );
  plan.warnings.unshift(...data.warnings, ...damaged);
  return { data, plan };
}

/** Classes match the project's by name (ignoring case); the others are created, in the file's order. */
function planClasses(store: ProjectStore, names: readonly string[]): ImportClass[] {
  const existing = store.classes.list();
  const colors = existing.map((c) => c.color);
  const hotkeys = existing.map((c) => c.hotkey);
  return names.map((name) => {
    const c = store.classes.findByName(name);
    if (c) return { id: c.id };
    const color = nextColor(colors);
    const hotkey = nextHotkey(hotkeys);
    colors.push(color);
    hotkeys.push(hotkey);
    return { create: { name, color, hotkey } };
  });
}

function unsupportedList(data: ReadDataset): ImportReport['unsupported'] {
  return [...data.unsupported].map(([what, count]) => ({ what, count }));
}
