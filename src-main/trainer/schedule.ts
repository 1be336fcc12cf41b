// The learning rate of every step, as a function of the step and the run's length in steps alone: a
// run with a time budget fixes its length once, when it starts (from the measured speed), and keeps
// it through a resume, so an interrupted run follows the same curve as an uninterrupted one, and the
// same seed and length give the same run.
import { warmupLength } from '../shared/runSettings';
import type { TrainConfig } from '../training/protocol';

export { WARMUP_SHARE, warmupLength } from '../shared/runSettings';

export type ScheduleConfig = Pick<TrainConfig, 'lr' | 'warmupSteps' | 'warmupRatio' | 'decayAt'>;

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
