// What an import does to the project, worked out before anything changes: which images are new, which
// the project has already (by path, else by content), and for those, what each choice would do.
import path from 'node:path';
import { boxIou } from '../eval/boxIou';
import { checkBoxInImage } from '../formats/boxCheck';
import type { DatasetImage, ReadDataset } from '../formats/dataset';
import { FormatError } from '../formats/formatError';
import { normToXywh } from '../formats/geometry';
import type { BoxXYWH, ChoiceEffect, ExistingChoice, ImportDuplicate, Split } from '../shared/api/project';
import type { ImportClass, ImportImage } from '../store/importBatch';
import { quantizeBox } from '../shared/geometry';
import { newImageRow, type InspectedImage } from './inspectFiles';
import type { ProjectSession } from './session';
import { projectSplitSettings } from './splitSettings';

/** An imported box overlapping one of the project's, of the same class, at least this much is the same box. */
export const MERGE_IOU = 0.95;

interface PlannedBox {
  classIndex: number;
  box: BoxXYWH;
}

/** A dataset image the project has already, and what replace and merge would write to it. */
interface FoundImage {
  id: number;
  image: DatasetImage;
  boxes: PlannedBox[];
  replace: ChoiceEffect;
  /** The imported boxes no box of the project already covers. */
  mergeAdds: PlannedBox[];
  merge: ChoiceEffect;
}

export interface ImportPlanned {
  classes: ImportClass[];
  /** New images, added whatever the choice. */
  fresh: ImportImage[];
  found: FoundImage[];
  duplicates: ImportDuplicate[];
  effects: Record<ExistingChoice, ChoiceEffect>;
  warnings: string[];
}

/**
 * Plans an import of `data`, whose files are `inspected` (same order). Boxes are checked against their
 * image and quantized as they will be stored, so that "the same box" compares exactly. Throws a
 * FormatError for a box outside its image or two entries naming one file.
 */
export function planImport(
  session: ProjectSession,
  data: ReadDataset,
  inspected: readonly InspectedImage[],
  classes: ImportClass[],
): ImportPlanned {
  const { store } = session;
  const settings = projectSplitSettings(store);
  const warnings: string[] = [];
  let mismatched = 0;
  let clipped = 0;
  const byPath = new Map<string, DatasetImage>();
  const claimed = new Set<number>();
  const match: (number | null)[] = [];
  const boxesOf: PlannedBox[][] = [];

  data.images.forEach((img, i) => {
    const probe = inspected[i]!;
    const size = { width: probe.width, height: probe.height };
    if (img.declared && (img.declared.width !== size.width || img.declared.height !== size.height))
      mismatched++;
    boxesOf.push(
      img.boxes.map((b) => {
        const px = b.kind === 'pixels' ? b.box : normToXywh(b.box, size);
        const checked = checkBoxInImage(px, size, img.file, b.where);
        if (checked.clipped) clipped++;
        return { classIndex: b.classIndex, box: quantizeBox(checked.box) };
      }),
    );
    const stored = session.storedPath(img.path);
    const other = byPath.get(stored);
    if (other) {
      throw new FormatError(
        img.file,
        img.where,
        `names the same image file as ${other.file}: ${other.where}`,
      );
    }
    byPath.set(stored, img);
    const same = store.images.findByPath(stored);
    if (same) claimed.add(same.id);
    match.push(same?.id ?? null);
  });
  // Then by content, for the images not found by path (an export of the project, a moved folder): among
  // the project's images with the same bytes not found yet, the one with the same file name first.
  data.images.forEach((img, i) => {
    if (match[i] !== null) return;
    const candidates = store.images.allBySha256(inspected[i]!.sha256).filter((c) => !claimed.has(c.id));
    const name = path.basename(img.path).toLowerCase();
    const pick = candidates.find((c) => c.fileName.toLowerCase() === name) ?? candidates[0];
    if (pick) {
      claimed.add(pick.id);
      match[i] = pick.id;
    }
  });

  const classIdOf = (index: number) => {
    const c = classes[index];
    return c && 'id' in c ? c.id : null;
  };
  const fresh: ImportImage[] = [];
  const found: FoundImage[] = [];
  const duplicates: ImportDuplicate[] = [];
  const firstBySha = new Map<string, string>();
  data.images.forEach((img, i) => {
    const probe = inspected[i]!;
    const boxes = boxesOf[i]!;
    const id = match[i]!;
    const first = firstBySha.get(probe.sha256);
    if (first === undefined) firstBySha.set(probe.sha256, img.path);
    if (id !== null) {
      found.push(foundImage(session, id, img, boxes, classIdOf));
      return;
    }
    const inProject = first === undefined ? store.images.findBySha256(probe.sha256)?.path : undefined;
    const sameAs = first ?? inProject;
    if (sameAs !== undefined) duplicates.push({ path: img.path, sameAs });
    fresh.push({
      target: { create: newImageRow(session, img.path, probe, settings) },
      split: img.split,
      labeled: img.labeled,
      boxes,
    });
  });

  const sum = (pick: (f: FoundImage) => ChoiceEffect): ChoiceEffect =>
    found.reduce(
      (s, f) => {
        const e = pick(f);
        return { changed: s.changed + e.changed, added: s.added + e.added, removed: s.removed + e.removed };
      },
      { changed: 0, added: 0, removed: 0 },
    );
  const effects = {
    keep: { changed: 0, added: 0, removed: 0 },
    replace: sum((f) => f.replace),
    merge: sum((f) => f.merge),
  };

  if (duplicates.length > 0) {
    const one = duplicates.length === 1;
    warnings.push(
      `${duplicates.length} image${one ? ' repeats' : 's repeat'} the bytes of another image; all were kept, each with its own ` +
        `boxes (the Library's "Duplicates" filter shows them): ` +
        duplicates
          .slice(0, 3)
          .map((d) => `${d.path} (same as ${d.sameAs})`)
          .join('; ') +
        (duplicates.length > 3 ? '; ...' : ''),
    );
  }
  if (mismatched > 0) {
    warnings.push(
      `${mismatched} images have a size in the file that differs from the image; boxes were checked against the image`,
    );
  }
  if (clipped > 0)
    warnings.push(`${clipped} boxes reached up to 1 px past the image edge and were clipped to it`);
  return { classes, fresh, found, duplicates, effects, warnings };
}

/** The images an import with this choice writes: the new ones, and the found ones it changes. */
export function imagesFor(plan: ImportPlanned, choice: ExistingChoice): ImportImage[] {
  const changed = plan.found.filter((f) => (choice === 'keep' ? false : f[choice].changed > 0));
  return [
    ...plan.fresh,
    ...changed.map((f): ImportImage =>
      choice === 'replace'
        ? {
            target: { id: f.id, mode: 'replace' },
            split: f.image.split,
            labeled: f.image.labeled,
            boxes: f.boxes,
          }
        : { target: { id: f.id, mode: 'add' }, split: null, labeled: f.image.labeled, boxes: f.mergeAdds },
    ),
  ];
}

function foundImage(
  session: ProjectSession,
  id: number,
  image: DatasetImage,
  boxes: PlannedBox[],
  classIdOf: (index: number) => number | null,
): FoundImage {
  const row = session.store.images.file(id)!;
  const own = session.store.boxes.forImage(id);
  const labels = image.labeled || boxes.length > 0;
  const statusChanges = labels && row.status === 'unlabeled';
  const key = (classId: number | null, b: BoxXYWH) => `${classId}:${b.x}:${b.y}:${b.w}:${b.h}`;
  const ownKeys = own.map((b) => key(b.classId, b)).sort();
  const importedKeys = boxes.map((b) => key(classIdOf(b.classIndex), b.box)).sort();
  const sameBoxes = ownKeys.length === importedKeys.length && ownKeys.every((k, i) => k === importedKeys[i]);
  const splitChanges = image.split !== null && image.split !== (row.split as Split);
  const replace: ChoiceEffect = {
    changed: !sameBoxes || splitChanges || statusChanges ? 1 : 0,
    added: sameBoxes ? 0 : boxes.length,
    removed: sameBoxes ? 0 : own.length,
  };
  const mergeAdds = boxes.filter((b) => {
    const classId = classIdOf(b.classIndex);
    const box = [b.box.x, b.box.y, b.box.w, b.box.h] as [number, number, number, number];
    return !own.some((o) => o.classId === classId && boxIou(box, [o.x, o.y, o.w, o.h], false) >= MERGE_IOU);
  });
  const merge: ChoiceEffect = {
    changed: mergeAdds.length > 0 || statusChanges ? 1 : 0,
    added: mergeAdds.length,
    removed: 0,
  };
  return { id, image, boxes, replace, mergeAdds, merge };
}
