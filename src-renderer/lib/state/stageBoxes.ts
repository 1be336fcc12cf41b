import type { Box, ClassInfo } from '../../../src-main/shared/api/project';
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

/** Review's colours of a match, as styles.css declares them (--tp, --fp, --fn). */
export const MATCH_COLORS = { tp: '#3ecf8e', fp: '#ff5f5f', fn: '#f5b748' } as const;

/**
 * What Review's canvas draws: the labels no detection found, then the detections with their score on
 * the corner, each said in words under the pointer. On an unlabeled image a detection is neither
 * right nor wrong: a suggestion, in its class's colour.
 */
export function reviewStageBoxes(
  labels: readonly Box[],
  missed: readonly number[],
  predictions: ReadonlyArray<Prediction & { matchedBoxId: number | null }>,
  labeled: boolean,
  classes: readonly ClassInfo[],
): StageBox[] {
  const byId = new Map(classes.map((c) => [c.id, c]));
  const name = (id: number) => byId.get(id)?.name ?? '?';
  const isMissed = new Set(missed);
  const out: StageBox[] = labels
    .filter((b) => isMissed.has(b.id))
    .map((b) => ({
      key: `l${b.id}`,
      x: b.x,
      y: b.y,
      w: b.w,
      h: b.h,
      color: MATCH_COLORS.fn,
      label: `missed label: ${name(b.classId)} (no detection found it)`,
      style: 'fn',
    }));
  for (const p of predictions) {
    const style = !labeled ? 'suggestion' : p.matchedBoxId === null ? 'fp' : 'tp';
    const what = style === 'suggestion' ? 'detection' : style === 'tp' ? 'true positive' : 'false positive';
    out.push({
      key: `p${p.id}`,
      x: p.x,
      y: p.y,
      w: p.w,
      h: p.h,
      color: style === 'suggestion' ? (byId.get(p.classId)?.color ?? GREY) : MATCH_COLORS[style],
      label: `${what}: ${name(p.classId)} · ${percent(p.score)}`,
      style,
      tag: percent(p.score),
    });
  }
  return out;
}
