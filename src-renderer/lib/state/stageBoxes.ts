import type { ClassInfo } from '../../../src-main/shared/api/project';
import type { Prediction } from '../../../src-main/shared/api/training';
import type { StageBox } from '../canvas/annotationStage';
import type { LocalBox } from './boxEdits';

const GREY = '#888888';
export const percent = (score: number): string => `${(score * 100).toFixed(0)}%`;

/**
 * What Annotate's canvas draws: the labels in their class colours, then the suggestions shown (at or
 * above the threshold) as dashed outlines with their score on the corner.
 */
export function annotateStageBoxes(
  labels: readonly LocalBox[],
  suggestions: readonly Prediction[],
  classes: readonly ClassInfo[],
): StageBox[] {
  const byId = new Map(classes.map((c) => [c.id, c]));
  const out: StageBox[] = labels.map((b) => {
    const c = byId.get(b.classId);
    return {
      key: b.key,
      x: b.x,
      y: b.y,
      w: b.w,
      h: b.h,
      color: c?.color ?? GREY,
      label: b.score === null ? (c?.name ?? '?') : `${c?.name ?? '?'} · accepted at ${percent(b.score)}`,
      style: 'label',
    };
  });
  for (const p of suggestions) {
    const c = byId.get(p.classId);
    out.push({
      key: `s${p.id}`,
      x: p.x,
      y: p.y,
      w: p.w,
      h: p.h,
      color: c?.color ?? GREY,
      label: `suggestion: ${c?.name ?? '?'} · ${percent(p.score)} (Enter accepts)`,
      style: 'suggestion',
      tag: percent(p.score),
    });
  }
  return out;
}
