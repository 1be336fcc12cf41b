import type { ImageProbe } from '../imaging/probe';
import { UnreadableImageError } from '../imaging/unreadable';
import { checkBoxInImage } from '../formats/boxCheck';
import type { ReadDataset } from '../formats/dataset';
import { FormatError } from '../formats/formatError';
import { normToXywh } from '../formats/geometry';
import { readDataset } from '../formats/read';
import type { DatasetFormat, ImportReport } from '../shared/api/project';
import type { ImportClass, ImportImage } from '../store/importBatch';
import type { ProjectStore } from '../store/projectStore';
import type { ServiceContext } from './context';
import { nextColor, nextHotkey } from './palette';
import { probeFiles } from './probeFiles';
import { withProgress } from './progress';
import type { ProjectSession } from './session';
import { projectSplitSettings } from './splitSettings';
import { defaultSplit } from './splits';

export const FORMAT_LABEL: Record<DatasetFormat, string> = { coco: 'COCO', voc: 'Pascal VOC', yolo: 'YOLO' };

/**
 * Imports a dataset atomically: the files are read and every image and box is checked first, and only a
 * dataset with no error reaches the project, in one transaction. A bad file changes nothing.
 */
export function importDataset(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { format: DatasetFormat; path: string; imagesDir?: string | undefined },
): Promise<ImportReport> {
  return withProgress(
    ctx.events,
    'dataset.import',
    `Importing ${FORMAT_LABEL[input.format]}`,
    async (progress) => {
      const data = await readDataset(input.format, input.path, { imagesDir: input.imagesDir });
      progress.update(0, data.images.length);
      const probed = await probeFiles(
        data.images.map((img) => img.path),
        (done) => progress.update(done, data.images.length),
        () => session.checkOpen(),
      );
      const probes = probed.map((p, i) => {
        if (p instanceof UnreadableImageError) {
          const img = data.images[i]!;
          throw new FormatError(img.file, img.where, `the image ${img.path} cannot be used: ${p.message}`);
        }
        if (p instanceof Error) throw p;
        return p;
      });
      session.checkOpen();
      const warnings = [...data.warnings];
      const classes = planClasses(session.store, data.classes);
      const images = planImages(session, data, probes, warnings);
      const applied = session.store.applyImport({ classes, images });
      session.refreshCounts();
      ctx.classesChanged();
      ctx.imagesChanged(null);
      ctx.projectChanged();
      return {
        format: input.format,
        images: applied.imageIds.length,
        boxes: applied.boxes,
        classes: data.classes.length,
        unsupported: [...data.unsupported].map(([what, count]) => ({ what, count })),
        warnings,
      };
    },
  );
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

function planImages(
  session: ProjectSession,
  data: ReadDataset,
  probes: ImageProbe[],
  warnings: string[],
): ImportImage[] {
  const { store } = session;
  const { seed, valFraction } = projectSplitSettings(store);
  const bySha = new Map<string, string>();
  const repeats: string[] = [];
  let repeatedBoxes = 0;
  let mismatched = 0;
  let clipped = 0;
  let matched = 0;
  const plan: ImportImage[] = [];
  data.images.forEach((img, i) => {
    const probe = probes[i]!;
    const size = { width: probe.width, height: probe.height };
    if (img.declared && (img.declared.width !== size.width || img.declared.height !== size.height))
      mismatched++;
    // Every box is checked, even those of a repeated image: an error in the file is an error.
    const boxes = img.boxes.map((b) => {
      const px = b.kind === 'pixels' ? b.box : normToXywh(b.box, size);
      const checked = checkBoxInImage(px, size, img.file, b.where);
      if (checked.clipped) clipped++;
      return { classIndex: b.classIndex, box: checked.box };
    });
    const first = bySha.get(probe.sha256);
    if (first !== undefined) {
      repeats.push(`${img.path} (same as ${first})`);
      repeatedBoxes += boxes.length;
      return;
    }
    bySha.set(probe.sha256, img.path);
    const stored = session.storedPath(img.path);
    const existing = store.images.findByPath(stored) ?? store.images.findBySha256(probe.sha256);
    if (existing) matched++;
    plan.push({
      target: existing
        ? { id: existing.id }
        : {
            create: {
              path: stored,
              fileName: img.path.split(/[\\/]/).pop()!,
              sha256: probe.sha256,
              bytes: probe.bytes,
              format: probe.format,
              width: probe.width,
              height: probe.height,
              orientation: probe.orientation,
              split: defaultSplit(probe.sha256, seed, valFraction),
            },
          },
      split: img.split,
      labeled: img.labeled,
      boxes,
    });
  });
  if (repeats.length > 0) {
    warnings.push(
      `${repeats.length} images repeat the content of another image of the dataset and were skipped with ` +
        `their ${repeatedBoxes} boxes: ${repeats.slice(0, 3).join('; ')}${repeats.length > 3 ? '; ...' : ''}`,
    );
  }
  if (matched > 0) {
    warnings.push(
      `${matched} images were already in the project: their boxes were replaced by the imported ones`,
    );
  }
  if (mismatched > 0) {
    warnings.push(
      `${mismatched} images have a size in the file that differs from the image; boxes were checked against the image`,
    );
  }
  if (clipped > 0)
    warnings.push(`${clipped} boxes reached up to 1 px past the image edge and were clipped to it`);
  return plan;
}
