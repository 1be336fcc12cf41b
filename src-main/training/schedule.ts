import type { TrainConfig } from './protocol';

/**
 * Learning rate at `step`: mmdet's linear warmup from `warmupRatio` (SPEC §9.1), then ×0.1 after each
 * `decayAt` fraction of the budget. `progress` is the fraction of the budget spent (steps or time).
 */
export function learningRate(
  c: Pick<TrainConfig, 'lr' | 'warmupSteps' | 'warmupRatio' | 'decayAt'>,
  step: number,
  progress: number,
): number {
  let lr = c.lr;
  if (step < c.warmupSteps) lr *= 1 - (1 - step / c.warmupSteps) * (1 - c.warmupRatio);
  for (const at of c.decayAt) if (progress >= at) lr *= 0.1;
  return lr;
}
