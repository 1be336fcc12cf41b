/** The score threshold at which a set of detections is best balanced, and the F1 it reaches there. */
export interface F1Point {
  /** Keep detections scoring at least this. */
  score: number;
  f1: number;
  precision: number;
  recall: number;
}

/**
 * Sweeps the score threshold over every detection's score: keeping the detections at or above it,
 * F1 = 2·TP / (detections kept + labels). `truePositive[i]` says whether detection `i` found a label
 * when all detections were matched best score first (greedy matching keeps that answer for every
 * higher threshold, since the detections above it are matched first). Ties go to the higher score
 * (fewer boxes for the same F1). Null when there are no detections or no labels.
 */
export function bestF1(
  scores: readonly number[],
  truePositive: readonly boolean[],
  labels: number,
): F1Point | null {
  if (labels <= 0 || scores.length === 0) return null;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let best: F1Point | null = null;
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (truePositive[i]) tp++;
    // Only where the next detection scores lower: a threshold keeps all of a tied score or none.
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const kept = k + 1;
    const f1 = (2 * tp) / (kept + labels);
    if (!best || f1 > best.f1) best = { score: scores[i]!, f1, precision: tp / kept, recall: tp / labels };
  }
  return best;
}
