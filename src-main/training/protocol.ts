// The messages between the main side and the trainer process. Both directions are validated, each
// job's result against its kind's schema: the trainer is our code, but a crash, an out-of-memory or a
// version mix-up must surface as a clear error, never as an undefined field deep in the app.
import { z } from 'zod';
import { ComputeReport } from '../shared/api/system';
import { EvalSummary, StepMetrics, TrainConfig, TrainProfile } from '../shared/api/training';

export { EvalSummary, StepMetrics, TrainConfig, TrainProfile };

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

/** Compute workers for a job (the WebAssembly and JavaScript backends); null: one per physical core. */
const Workers = z.number().int().min(1).max(64).nullable().default(null);

export const JobSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('train'),
    jobId: z.string(),
    runDir: z.string(),
    snapshotPath: z.string(),
    config: TrainConfig,
    /** Continue from the latest checkpoint in runDir. */
    resume: z.boolean().default(false),
    /** The cached file of `config.weights`, checked against its SHA-256 before use. */
    weightsFile: z.string().nullable().default(null),
  }),
  z.object({
    kind: z.literal('evaluate'),
    jobId: z.string(),
    modelDir: z.string(),
    snapshotPath: z.string(),
    workers: Workers,
  }),
  z.object({
    kind: z.literal('predict'),
    jobId: z.string(),
    modelDir: z.string(),
    images: z.array(ImageRef),
    scoreThreshold: z.number().min(0).max(1).default(0.05),
    workers: Workers,
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
export type JobOf<K extends JobKind> = Extract<JobSpec, { kind: K }>;

/** An image a job could not decode: skipped, and named to the user. */
export const SkippedImage = z.object({ imageId: z.number().int(), path: z.string(), reason: z.string() });
export type SkippedImage = z.infer<typeof SkippedImage>;

const Counts = z.number().int().min(0);

/** What each kind of job returns. */
export const JobResults = {
  train: z.object({
    /** The saved model, or null when the run was cancelled. */
    modelDir: z.string().nullable(),
    steps: Counts,
    /** The run's length in steps, fixed when it started (from its budget). */
    totalSteps: Counts,
    elapsedSec: z.number(),
    cancelled: z.boolean(),
    imagesPerSec: z.number(),
    final: EvalSummary.nullable(),
    /** Where this part of the run's time went, in seconds (for the benchmarks and the run record). */
    profile: TrainProfile,
  }),
  evaluate: z.object({
    AP: z.number(),
    AP50: z.number(),
    AP75: z.number(),
    perClass: z.array(z.object({ classIndex: z.number().int(), AP: z.number(), AP50: z.number() })),
    images: Counts,
  }),
  predict: z.object({ images: Counts, detections: Counts, skipped: z.array(SkippedImage) }),
  inspect: z.object({
    /** The network input's width and height (the image is letterboxed into its top-left). */
    inputSize: z.number().int(),
    /** Network pixels per image pixel. */
    scale: z.number(),
    maps: z.object({
      gtIndex: z.number().int(),
      label: z.number().int(),
      strides: z.array(z.number().int()),
      levelSizes: z.array(z.object({ height: z.number().int(), width: z.number().int() })),
      levelStarts: z.array(z.number().int()),
      score: z.instanceof(Float32Array),
      iou: z.instanceof(Float32Array),
      inside: z.instanceof(Uint8Array),
      centerPrior: z.instanceof(Float32Array),
      wPos: z.instanceof(Float32Array),
      pNeg: z.instanceof(Float32Array),
      wNeg: z.instanceof(Float32Array),
      fcosPositive: z.instanceof(Uint8Array),
      fcosLabels: z.instanceof(Int32Array),
      fcosCenterness: z.instanceof(Float32Array),
    }),
  }),
} satisfies Record<JobKind, z.ZodObject>;
export type JobResult<K extends JobKind> = z.infer<(typeof JobResults)[K]>;

/** A finished job's result, tagged with its kind (the host checks it is the kind it sent). */
export const TaggedResult = z.discriminatedUnion('kind', [
  JobResults.train.extend({ kind: z.literal('train') }),
  JobResults.evaluate.extend({ kind: z.literal('evaluate') }),
  JobResults.predict.extend({ kind: z.literal('predict') }),
  JobResults.inspect.extend({ kind: z.literal('inspect') }),
]);
export type TaggedResult = z.infer<typeof TaggedResult>;

/**
 * Set in a trainer's environment when its host probes the compute backends for it (the packaged
 * desktop app, whose trainer cannot start probe processes itself): the trainer then waits for a
 * `compute` message before it says it is ready.
 */
export const COMPUTE_FROM_HOST_ENV = 'DW_STUDIO_COMPUTE_FROM_HOST';

export const ToTrainer = z.discriminatedUnion('type', [
  /** The backend to use, probed by the host (see COMPUTE_FROM_HOST_ENV), with the package to load. */
  z.object({ type: z.literal('compute'), report: ComputeReport, modulePath: z.string().nullable() }),
  z.object({ type: z.literal('run'), job: JobSpec }),
  z.object({ type: z.literal('cancel'), jobId: z.string() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToTrainer = z.infer<typeof ToTrainer>;

export const Detection = z.object({
  imageId: z.number().int(),
  classIndex: z.number().int(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  score: z.number(),
});
export type Detection = z.infer<typeof Detection>;

export const FromTrainer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), compute: ComputeReport }),
  /** What a job runs on: the backend, and for the CPU backends how many workers. */
  z.object({ type: z.literal('compute'), jobId: z.string(), compute: ComputeReport }),
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
  z.object({ type: z.literal('skipped'), jobId: z.string(), image: SkippedImage }),
  z.object({ type: z.literal('done'), jobId: z.string(), cancelled: z.boolean(), result: TaggedResult }),
  /** `message` with the error's class name ("RuntimeError: memory access out of bounds"): the host judges it. */
  z.object({ type: z.literal('failed'), jobId: z.string(), message: z.string() }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn']), message: z.string() }),
]);
export type FromTrainer = z.infer<typeof FromTrainer>;
