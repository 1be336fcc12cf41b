// The messages between the main side and the trainer process. Both directions are validated: the
// trainer is our code, but a crash, an out-of-memory or a version mix-up must surface as a clear error,
// never as an undefined field deep in the app.
import { z } from 'zod';
import { ComputeReport } from '../shared/api/system';

export const Assigner = z.enum(['dw', 'fcos']);
export const Preset = z.enum(['small', 'medium', 'resnet50']);

/** A training run's settings; every field has a default so "Train" works with no settings. */
export const TrainConfig = z.object({
  assigner: Assigner.default('dw'),
  refine: z.boolean().default(true),
  preset: Preset.default('small'),
  /** Long side of the network input in pixels (letterboxed, padded to a multiple of 32). */
  size: z.number().int().min(64).max(1536).default(320),
  batchSize: z.number().int().min(1).max(64).default(4),
  /** Stop after this many epochs, or after `minutes`, whichever comes first. */
  epochs: z.number().int().min(1).max(10_000).nullable().default(null),
  minutes: z.number().min(0.05).max(10_080).nullable().default(null),
  /** Exact step budget (tests and resumable benchmarks); overrides epochs/minutes when set. */
  maxSteps: z.number().int().min(1).nullable().default(null),
  lr: z.number().positive().max(1).default(0.01),
  momentum: z.number().min(0).max(0.999).default(0.9),
  weightDecay: z.number().min(0).max(0.1).default(1e-4),
  warmupSteps: z.number().int().min(0).default(300),
  warmupRatio: z.number().min(0).max(1).default(0.001),
  /** Fractions of the schedule after which the learning rate drops ×0.1 (SPEC §9: epochs 8 and 11 of 12). */
  decayAt: z.array(z.number().gt(0).lt(1)).default([8 / 12, 11 / 12]),
  clipNorm: z.number().positive().nullable().default(null),
  flip: z.boolean().default(true),
  seed: z.number().int().default(0),
  checkpointEvery: z.number().int().min(1).default(200),
  evalEvery: z.number().int().min(1).nullable().default(null),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** One image of a frozen dataset snapshot; boxes are [x, y, w, h] in pixels of the image as displayed. */
export const SnapshotImage = z.object({
  id: z.number().int(),
  path: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  boxes: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
  /** Class index (0-based, into `classes`) per box. */
  labels: z.array(z.number().int().min(0)),
});
export type SnapshotImage = z.infer<typeof SnapshotImage>;

export const Snapshot = z.object({
  classes: z.array(z.object({ id: z.number().int(), name: z.string() })),
  train: z.array(SnapshotImage),
  val: z.array(SnapshotImage),
  /** sha256 of the canonical JSON of the above: recorded with the run. */
  hash: z.string(),
});
export type Snapshot = z.infer<typeof Snapshot>;

const ImageRef = z.object({
  id: z.number().int(),
  path: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});

export const JobSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('train'),
    jobId: z.string(),
    runDir: z.string(),
    snapshotPath: z.string(),
    config: TrainConfig,
    /** Continue from the latest checkpoint in runDir. */
    resume: z.boolean().default(false),
  }),
  z.object({
    kind: z.literal('evaluate'),
    jobId: z.string(),
    modelDir: z.string(),
    snapshotPath: z.string(),
  }),
  z.object({
    kind: z.literal('predict'),
    jobId: z.string(),
    modelDir: z.string(),
    images: z.array(ImageRef),
    scoreThreshold: z.number().min(0).max(1).default(0.05),
  }),
  z.object({
    kind: z.literal('inspect'),
    jobId: z.string(),
    modelDir: z.string(),
    image: ImageRef,
    /** Every labeled box of the image ([x, y, w, h] pixels, class index); `boxIndex` picks the one to inspect. */
    boxes: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
    labels: z.array(z.number().int().min(0)),
    boxIndex: z.number().int().min(0),
  }),
]);
export type JobSpec = z.infer<typeof JobSpec>;
export type JobKind = JobSpec['kind'];

export const ToTrainer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), job: JobSpec }),
  z.object({ type: z.literal('cancel'), jobId: z.string() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToTrainer = z.infer<typeof ToTrainer>;

export const StepMetrics = z.object({
  step: z.number().int(),
  totalSteps: z.number().int().nullable(),
  epoch: z.number(),
  lr: z.number(),
  /** Loss terms by name (DW: clsPos, loc, clsNeg; FCOS: cls, bbox, ctr) and `total`. */
  losses: z.record(z.string(), z.number()),
  imagesPerSec: z.number(),
  elapsedSec: z.number(),
  etaSec: z.number().nullable(),
});
export type StepMetrics = z.infer<typeof StepMetrics>;

export const EvalSummary = z.object({
  step: z.number().int(),
  AP: z.number(),
  AP50: z.number(),
  AP75: z.number(),
  perClass: z.array(z.object({ classIndex: z.number().int(), AP: z.number(), AP50: z.number() })),
});
export type EvalSummary = z.infer<typeof EvalSummary>;

export const Detection = z.object({
  imageId: z.number().int(),
  classIndex: z.number().int(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  score: z.number(),
});
export type Detection = z.infer<typeof Detection>;

export const FromTrainer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), compute: ComputeReport }),
  z.object({ type: z.literal('step'), jobId: z.string(), metrics: StepMetrics }),
  z.object({ type: z.literal('eval'), jobId: z.string(), summary: EvalSummary }),
  z.object({ type: z.literal('checkpoint'), jobId: z.string(), step: z.number().int(), dir: z.string() }),
  z.object({
    type: z.literal('progress'),
    jobId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    label: z.string(),
  }),
  z.object({ type: z.literal('detections'), jobId: z.string(), detections: z.array(Detection) }),
  z.object({ type: z.literal('done'), jobId: z.string(), cancelled: z.boolean(), result: z.unknown() }),
  z.object({ type: z.literal('failed'), jobId: z.string(), message: z.string(), outOfMemory: z.boolean() }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn']), message: z.string() }),
]);
export type FromTrainer = z.infer<typeof FromTrainer>;
