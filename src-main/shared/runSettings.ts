// The settings a run actually uses, from the settings it was given: the one rule every layer reads
// (the plan and its reasons, the trainer, the run history, the command line and the model's name).
import type { Assigner, TrainConfig } from './api/training';

/**
 * Box refinement needs inputs of at least this size to learn: DW's regression starts at 4 strides, so
 * at smaller inputs most refinement samples start off the coarser maps, where the zero-padded sampler
 * has no gradient.
 */
export const MIN_REFINE_SIZE = 256;

export type Arm = 'FCOS' | 'DW' | 'DW+refine';

export interface RunSettings {
  assigner: Assigner;
  /** Box refinement as trained: only with DW (SPEC §6; the FCOS baseline has none, §8) and at ≥ 256 px. */
  refine: boolean;
  /** The paper's ablation arm: FCOS, DW, or DW with refinement. */
  arm: Arm;
  /** The arm in words: "DW with box refinement". */
  label: string;
  /** Why refinement was asked for and is off, else null. */
  refineDropped: string | null;
}

export function runSettings(config: Pick<TrainConfig, 'assigner' | 'refine' | 'size'>): RunSettings {
  const dw = config.assigner === 'dw';
  const refine = dw && config.refine && config.size >= MIN_REFINE_SIZE;
  const refineDropped =
    dw && config.refine && !refine
      ? `Box refinement is off at ${config.size} px: it needs inputs of at least ${MIN_REFINE_SIZE} px to learn.`
      : null;
  const arm: Arm = !dw ? 'FCOS' : refine ? 'DW+refine' : 'DW';
  const label = !dw ? 'FCOS assignment' : refine ? 'DW with box refinement' : 'DW without box refinement';
  return { assigner: config.assigner, refine, arm, label, refineDropped };
}

/** The name a run's model gets: "Run 3 · DW+refine". */
export function modelName(runId: number, config: Pick<TrainConfig, 'assigner' | 'refine' | 'size'>): string {
  return `Run ${runId} · ${runSettings(config).arm}`;
}

/**
 * Warmup never takes more than this share of a run: SPEC §9's 1,000 warmup iterations are under 10%
 * of a 12-epoch COCO schedule, and a short run on a small dataset must still reach its learning rate.
 */
export const WARMUP_SHARE = 0.1;

/** Warmup steps of a run of `totalSteps` that asks for `warmupSteps`. */
export function warmupLength(c: Pick<TrainConfig, 'warmupSteps'>, totalSteps: number): number {
  if (c.warmupSteps === 0) return 0;
  return Math.min(c.warmupSteps, Math.max(1, Math.round(totalSteps * WARMUP_SHARE)));
}
