// The learning rate of every step, as a function of the step and the run's length in steps alone: a
// run with a time budget fixes its length once, when it starts (from the measured speed), and keeps
// it through a resume, so an interrupted run follows the same curve as an uninterrupted one, and the
// same seed and length give the same run.
import type { TrainConfig } from '../training/protocol';

/**
 * Warmup never takes more than this share of a run: SPEC §9's 1,000 warmup iterations are under 10%
 * of a 12-epoch COCO schedule, and a short run on a small dataset must still reach its learning rate.
 */
export const WARMUP_SHARE = 0.1;

export type ScheduleConfig = Pick<TrainConfig, 'lr' | 'warmupSteps' | 'warmupRatio' | 'decayAt'>;

/** Warmup steps of a run of `totalSteps`. */
export function warmupLength(c: Pick<TrainConfig, 'warmupSteps'>, totalSteps: number): number {
  if (c.warmupSteps === 0) return 0;
  return Math.min(c.warmupSteps, Math.max(1, Math.round(totalSteps * WARMUP_SHARE)));
}

/**
 * Learning rate at `step` (0-based) of a run of `totalSteps`: mmdet's linear warmup from `warmupRatio`
 * (SPEC §9.1), then ×0.1 from each `decayAt` fraction of the run on.
 */
export function learningRate(c: ScheduleConfig, step: number, totalSteps: number): number {
  const warmup = warmupLength(c, totalSteps);
  let lr = c.lr;
  if (step < warmup) lr *= 1 - (1 - step / warmup) * (1 - c.warmupRatio);
  for (const at of c.decayAt) if (step >= Math.round(at * totalSteps)) lr *= 0.1;
  return lr;
}
