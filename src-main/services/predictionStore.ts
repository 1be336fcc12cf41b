import type { Detection } from '../training/protocol';
import type { NewPrediction } from '../store/training';
import type { ProjectSession } from './session';

/**
 * How unsure the model is about an image: the mean binary entropy (bits) of its detection scores at or
 * above 0.1. An image with scores near 0.5 comes first in "most uncertain first"; one with nothing
 * found, or only confident boxes, comes last.
 */
export function uncertaintyOf(scores: readonly number[]): number {
  const considered = scores.filter((s) => s >= 0.1);
  if (considered.length === 0) return 0;
  const h = (p: number) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)));
  return considered.reduce((a, s) => a + h(s), 0) / considered.length;
}

/**
 * Stores a model's detections for some images (class indices → the project's class ids, which the
 * model recorded when it was trained). Images with no detection are recorded as predicted too.
 */
export function savePredictionBatch(
  session: ProjectSession,
  modelId: number,
  classes: ReadonlyArray<{ id: number }>,
  imageIds: readonly number[],
  detections: readonly Detection[],
): number {
  const known = new Set(session.store.classes.list().map((c) => c.id));
  const rows: NewPrediction[] = [];
  const scores = new Map<number, number[]>(imageIds.map((id) => [id, []]));
  for (const d of detections) {
    const classId = classes[d.classIndex]?.id;
    // A class deleted since training has nowhere to go.
    if (classId === undefined || !known.has(classId)) continue;
    const [x, y, w, h] = d.box;
    if (!(w > 0 && h > 0)) continue;
    rows.push({ imageId: d.imageId, classId, x, y, w, h, score: d.score });
    scores.get(d.imageId)?.push(d.score);
  }
  const repo = session.store.training;
  repo.savePredictions(modelId, imageIds, rows);
  repo.setUncertainty(new Map([...scores].map(([id, s]) => [id, uncertaintyOf(s)])));
  return rows.length;
}
