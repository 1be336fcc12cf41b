// A COCO results file of any detector read into the project as a model: its detections become that
// model's predictions, which Review, the suggestions in Annotate and `dw-studio eval` then use as they
// use a trained model's. The results' image ids are those of a COCO file (the exported dataset's, say),
// matched to the project's images by file name; its category ids are matched to classes by name.
import path from 'node:path';
import { parseCocoText } from '../formats/coco';
import { parseCocoResultsText, type CocoResult } from '../formats/cocoResults';
import { readText } from '../formats/fsCheck';
import type { PredictionImportReport } from '../shared/api/training';
import { AppError } from '../shared/errors';
import type { NewPrediction } from '../store/training';
import type { ServiceContext } from './context';
import { imageNameMatcher } from './imageNameMatch';
import { toModelInfo } from './modelFiles';
import { uncertaintyOf } from './predictionStore';
import type { ProjectSession } from './session';

/** Unmatched names listed in the report; the count says the rest. */
const LISTED = 10;

/** Where the results' ids lead in the project: image id → project image, category id → class. */
interface IdMap {
  /** The images the results cover (the ground-truth file's, or every project image). */
  total: number;
  images: Map<number, number>;
  classes: Map<number, number>;
  unmatchedNames: string[];
  unmatched: number;
  /** Category names (or ids) of the file that are not classes of the project. */
  unknownClass: Map<number, string>;
}

export async function importPredictions(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { path: string; name?: string | undefined; images?: string | undefined },
): Promise<PredictionImportReport> {
  const file = path.resolve(input.path);
  const results = parseCocoResultsText(await readText(file), file);
  const ids = input.images
    ? await idsFromCocoFile(session, path.resolve(input.images), file, results)
    : idsOfProject(session, results);

  const rows: NewPrediction[] = [];
  let notInProject = 0;
  let empty = 0;
  const unknownClasses = new Map<string, number>();
  for (const r of results) {
    const imageId = ids.images.get(r.imageId);
    if (imageId === undefined) {
      notInProject++;
      continue;
    }
    const classId = ids.classes.get(r.categoryId);
    if (classId === undefined) {
      const name = ids.unknownClass.get(r.categoryId) ?? `category ${r.categoryId}`;
      unknownClasses.set(name, (unknownClasses.get(name) ?? 0) + 1);
      continue;
    }
    if (!(r.box.w > 0 && r.box.h > 0)) {
      empty++;
      continue;
    }
    rows.push({ imageId, classId, ...r.box, score: r.score });
  }

  const covered = [...new Set(ids.images.values())];
  const scores = new Map<number, number[]>(covered.map((id) => [id, []]));
  for (const p of rows) scores.get(p.imageId)!.push(p.score);
  const uncertainty = new Map([...scores].map(([id, s]) => [id, uncertaintyOf(s)]));
  const name = input.name?.trim() || path.basename(file);
  const repo = session.store.training;
  const modelId = repo.addImportedModel({ name, origin: file }, covered, rows, uncertainty);
  ctx.imagesChanged(null);

  const skipped: PredictionImportReport['skipped'] = [];
  if (notInProject > 0)
    skipped.push({ count: notInProject, reason: 'on images that are not in the project' });
  if (unknownClasses.size > 0) {
    const list = [...unknownClasses].map(([n, c]) => `${n} (${c})`).join(', ');
    skipped.push({
      count: [...unknownClasses.values()].reduce((a, b) => a + b, 0),
      reason: `of classes the project does not have: ${list}`,
    });
  }
  if (empty > 0) skipped.push({ count: empty, reason: 'with a width or height of 0' });
  return {
    model: toModelInfo(repo.model(modelId)!),
    detections: rows.length,
    images: {
      total: ids.total,
      matched: covered.length,
      unmatched: ids.unmatched,
      unmatchedNames: ids.unmatchedNames,
    },
    skipped,
  };
}

/**
 * Ids of a COCO file (images and categories) mapped onto the project: images by file name, categories
 * by class name (case aside). A result naming an id the file does not have is an error in the results.
 */
async function idsFromCocoFile(
  session: ProjectSession,
  cocoFile: string,
  resultsFile: string,
  results: readonly CocoResult[],
): Promise<IdMap> {
  const coco = parseCocoText(await readText(cocoFile), cocoFile);
  const known = new Set(coco.images.map((im) => im.id));
  const categories = new Map(coco.categoryIds.map((id, i) => [id, coco.classes[i]!]));
  for (const r of results) {
    if (!known.has(r.imageId))
      throw new AppError(
        'invalid_data',
        `${resultsFile}: ${r.where}.image_id: ${cocoFile} has no image with id ${r.imageId}`,
      );
    if (!categories.has(r.categoryId))
      throw new AppError(
        'invalid_data',
        `${resultsFile}: ${r.where}.category_id: ${cocoFile} has no category with id ${r.categoryId}`,
      );
  }
  const match = imageNameMatcher(session.store.images.files());
  const images = new Map<number, number>();
  const unmatchedNames: string[] = [];
  let unmatched = 0;
  for (const im of coco.images) {
    const m = match(im.fileName);
    if (m && 'id' in m) images.set(im.id, m.id);
    else {
      unmatched++;
      if (unmatchedNames.length < LISTED)
        unmatchedNames.push(
          m ? `${im.fileName} (${m.ambiguous.length} images of the project have that name)` : im.fileName,
        );
    }
  }
  const byName = new Map(session.store.classes.list().map((c) => [c.name.toLowerCase(), c.id]));
  const classes = new Map<number, number>();
  const unknownClass = new Map<number, string>();
  for (const [id, name] of categories) {
    const classId = byName.get(name.toLowerCase());
    if (classId === undefined) unknownClass.set(id, name);
    else classes.set(id, classId);
  }
  return { total: coco.images.length, images, classes, unmatched, unmatchedNames, unknownClass };
}

/**
 * The project's own ids, as `predictions.export` (and `dw-studio predict --out`) write them. As COCO
 * evaluation reads a results file against its ground truth, the results cover every image of the
 * project: one without a detection had none.
 */
function idsOfProject(session: ProjectSession, results: readonly CocoResult[]): IdMap {
  const files = session.store.images.files();
  const images = new Map(files.map((im) => [im.id, im.id]));
  const classes = new Map(session.store.classes.list().map((c) => [c.id, c.id]));
  const missing = [...new Set(results.map((r) => r.imageId).filter((id) => !images.has(id)))];
  return {
    total: files.length,
    images,
    classes,
    unmatched: missing.length,
    unmatchedNames: missing.slice(0, LISTED).map((id) => `image ${id}`),
    unknownClass: new Map(),
  };
}
