import { z } from 'zod';
import { method } from './define';
import { AbsPath, BoxXYWH } from './project';
import { ComputeReport } from './system';

export const Assigner = z.enum(['dw', 'fcos']);
export type Assigner = z.infer<typeof Assigner>;
export const Preset = z.enum(['small', 'mobilenet_v2', 'resnet18', 'resnet50']);
export type Preset = z.infer<typeof Preset>;

/** Which published weights file a run starts from. */
export const PretrainedRef = z
  .object({
    id: z.string().min(1).max(100),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lower-case hex digits'),
  })
  .strict();
export type PretrainedRef = z.infer<typeof PretrainedRef>;

/** A training run's settings; every field has a default so "Train" works with no settings. */
export const TrainConfig = z.object({
  assigner: Assigner.default('dw'),
  refine: z.boolean().default(true),
  preset: Preset.default('small'),
  /** Long side of the network input in pixels (letterboxed into a square, a multiple of 32). */
  size: z.number().int().min(64).max(1536).multipleOf(32).default(320),
  batchSize: z.number().int().min(1).max(64).default(4),
  /** Stop after this many epochs, or after `minutes`, whichever comes first. */
  epochs: z.number().int().min(1).max(10_000).nullable().default(null),
  minutes: z.number().min(0.05).max(10_080).nullable().default(null),
  /** Exact step budget (tests and benchmarks); wins over epochs and minutes when set. */
  maxSteps: z.number().int().min(1).nullable().default(null),
  lr: z.number().positive().max(1).default(0.01),
  momentum: z.number().min(0).max(0.999).default(0.9),
  weightDecay: z.number().min(0).max(0.1).default(1e-4),
  /** Linear warmup length, at most a tenth of the run (short runs on small datasets still warm up). */
  warmupSteps: z.number().int().min(0).default(300),
  warmupRatio: z.number().min(0).max(1).default(0.001),
  /** Fractions of the schedule after which the learning rate drops ×0.1 (SPEC §9: epochs 8 and 11 of 12). */
  decayAt: z
    .array(z.number().gt(0).lt(1))
    .max(4)
    .default([8 / 12, 11 / 12]),
  clipNorm: z.number().positive().nullable().default(null),
  flip: z.boolean().default(true),
  seed: z.number().int().default(0),
  checkpointEvery: z.number().int().min(1).default(200),
  /**
   * Validate every image every N steps; null: a few points on a subset and every image at the end,
   * within a twentieth of the run's time.
   */
  evalEvery: z.number().int().min(1).nullable().default(null),
  /** Compute workers on the CPU backends (one thread each); null: one per physical core. */
  workers: z.number().int().min(1).max(64).nullable().default(null),
  /**
   * The ImageNet weights the backbone starts from (shared/pretrained.ts), with their SHA-256 so the
   * run record names exactly which file; null: the whole network starts from a random initialisation.
   */
  weights: PretrainedRef.nullable().default(null),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

const configFields = TrainConfig.shape;
/**
 * The settings a user changed from the plan: TrainConfig's fields, each optional and without its
 * default. (`TrainConfig.partial()` would not do: zod 4 still applies the defaults of optional
 * fields, so every setting left out would arrive as set and override the plan.)
 */
export const TrainOverrides = z
  .object(
    Object.fromEntries(Object.entries(configFields).map(([k, field]) => [k, field.unwrap()])) as {
      [K in keyof typeof configFields]: ReturnType<(typeof configFields)[K]['unwrap']>;
    },
  )
  .partial();

export const RunState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;

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
  /** On a GPU: the memory its tensors take, in MB. */
  gpuMemoryMb: z.number().optional(),
});
export type StepMetrics = z.infer<typeof StepMetrics>;

export const EvalSummary = z.object({
  step: z.number().int(),
  AP: z.number(),
  AP50: z.number(),
  AP75: z.number(),
  perClass: z.array(z.object({ classIndex: z.number().int(), AP: z.number(), AP50: z.number() })),
  /** Validation images it used: all of them at the end, a fixed subset at the points before. */
  images: z.number().int().optional(),
});
export type EvalSummary = z.infer<typeof EvalSummary>;

const Seconds = z.number().min(0);
export const TrainProfile = z.object({
  /** Timing the steps that fix a time budget's length. */
  calibration: Seconds,
  /** Waiting for the next batch (decoding that the prefetch did not hide). */
  dataWait: Seconds,
  /** Mirroring and normalising the batch into the network input, on the trainer's thread. */
  pack: Seconds,
  /** The steps' round trips to the workers, of which: */
  steps: Seconds,
  /** loss and gradients (the first worker's), */
  gradients: Seconds,
  /** the gradient exchange, waiting for the slowest worker included, */
  exchange: Seconds,
  /** and the optimizer update. */
  update: Seconds,
  checkpoints: Seconds,
  validation: Seconds,
  /** The whole of this part of the run (the rest: reporting, messages). */
  total: Seconds,
});
export type TrainProfile = z.infer<typeof TrainProfile>;

export const RunInfo = z.object({
  id: z.number().int(),
  createdAt: z.string(),
  state: RunState,
  config: TrainConfig,
  backend: z.string().nullable(),
  device: z.string().nullable(),
  snapshotHash: z.string(),
  trainImages: z.number().int(),
  valImages: z.number().int(),
  steps: z.number().int(),
  durationSec: z.number(),
  imagesPerSec: z.number().nullable(),
  AP: z.number().nullable(),
  AP50: z.number().nullable(),
  /** The run's length in steps, fixed when it started (from its budget); null before that. */
  totalSteps: z.number().int().nullable(),
  /** Images the run could not decode and went on without. */
  skippedImages: z.array(z.object({ file: z.string(), reason: z.string() })),
  /** Where the last part of the run's time went (after a resume: the part since). */
  profile: TrainProfile.nullable(),
  error: z.string().nullable(),
  /** The model this run produced, once it has one. */
  modelId: z.number().int().nullable(),
});
export type RunInfo = z.infer<typeof RunInfo>;

export const ModelInfo = z.object({
  id: z.number().int(),
  /** The run that trained it; null for an imported model. */
  runId: z.number().int().nullable(),
  name: z.string(),
  createdAt: z.string(),
  /**
   * 'trained': a network of this project, which can predict, be inspected and exported. 'imported':
   * the detections of a COCO results file, reviewed and scored like a model's, with no network.
   */
  source: z.enum(['trained', 'imported']),
  /** The results file an imported model was read from, else null. */
  origin: z.string().nullable(),
  /** How it was trained (null for an imported model). */
  assigner: Assigner.nullable(),
  refine: z.boolean().nullable(),
  AP: z.number().nullable(),
  AP50: z.number().nullable(),
  /**
   * The score threshold at which this model's detections on the labeled validation images it has
   * predicted reach their best F1 (IoU ≥ 0.5): where its suggestions are worth showing. Null: none.
   */
  bestF1: z.object({ score: z.number(), f1: z.number(), images: z.number().int() }).nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** What reading a COCO results file into the project as a model did. */
export const PredictionImportReport = z.object({
  model: ModelInfo,
  /** Detections stored as the model's predictions. */
  detections: z.number().int(),
  images: z.object({
    /** Images the results cover: those of the ground-truth file, or the project's own. */
    total: z.number().int(),
    matched: z.number().int(),
    unmatched: z.number().int(),
    /** The first few that matched no image of the project (or more than one). */
    unmatchedNames: z.array(z.string()),
  }),
  /** Detections left out, each with why (an image not in the project, a class it does not have…). */
  skipped: z.array(z.object({ count: z.number().int(), reason: z.string() })),
});
export type PredictionImportReport = z.infer<typeof PredictionImportReport>;

/** A trained model written out for use in other programs (`models.export`). */
export const ModelExportReport = z.object({
  modelId: z.number().int(),
  name: z.string(),
  dir: z.string(),
  /** The files written, relative to `dir`. */
  files: z.array(z.string()),
  bytes: z.number().int(),
  inputSize: z.number().int(),
  classes: z.array(z.string()),
});
export type ModelExportReport = z.infer<typeof ModelExportReport>;

/** What one click on "Train" would do, and why. */
export const TrainPlan = z.object({
  config: TrainConfig,
  reasons: z.array(z.string()),
  compute: ComputeReport,
  trainImages: z.number().int(),
  valImages: z.number().int(),
  /** Why training cannot start now (no labeled images, no classes...), else null. */
  blocker: z.string().nullable(),
});
export type TrainPlan = z.infer<typeof TrainPlan>;

export const Prediction = BoxXYWH.extend({
  id: z.number().int(),
  classId: z.number().int(),
  score: z.number(),
  state: z.enum(['pending', 'accepted', 'rejected']),
});
export type Prediction = z.infer<typeof Prediction>;

export const PrCurve = z.object({
  classId: z.number().int(),
  /** Precision at recall 0, 0.01, … 1 (101 points), IoU 0.5; -1 where undefined. */
  precision50: z.array(z.number()),
  /** Same, averaged over IoU 0.5:0.95. */
  precision: z.array(z.number()),
});

export const ModelEvaluation = z.object({
  modelId: z.number().int(),
  stats: z.record(z.string(), z.number()),
  perClass: z.array(
    z.object({
      classId: z.number().int(),
      name: z.string(),
      AP: z.number(),
      AP50: z.number(),
      gt: z.number().int(),
    }),
  ),
  curves: z.array(PrCurve),
  images: z.number().int(),
});
export type ModelEvaluation = z.infer<typeof ModelEvaluation>;

export const ReviewRow = z.object({
  imageId: z.number().int(),
  fileName: z.string(),
  split: z.enum(['train', 'val']),
  /** Whether the image carries labels; an unlabeled one has no true or false positives, only `found`. */
  labeled: z.boolean(),
  tp: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  /** Detections at or above the score threshold. */
  found: z.number().int(),
  /** Mean closeness of scores to 0.5 in [0, 1]; higher means the model is less sure. */
  uncertainty: z.number(),
});
export type ReviewRow = z.infer<typeof ReviewRow>;

/** Per-point maps for the Inspect view, in point order (level-major, row-major). */
export const InspectResult = z.object({
  modelId: z.number().int(),
  imageId: z.number().int(),
  boxId: z.number().int(),
  inputSize: z.number().int(),
  /** Network pixels per image pixel. */
  scale: z.number(),
  levels: z.array(
    z.object({
      stride: z.number().int(),
      height: z.number().int(),
      width: z.number().int(),
      offset: z.number().int(),
    }),
  ),
  maps: z.object({
    score: z.array(z.number()),
    iou: z.array(z.number()),
    prior: z.array(z.number()),
    wPos: z.array(z.number()),
    wNeg: z.array(z.number()),
    fcosPositive: z.array(z.number()),
    fcosCenterness: z.array(z.number()),
  }),
});
export type InspectResult = z.infer<typeof InspectResult>;

const Id = z.number().int().positive();
const Empty = z.object({}).strict();

export const PredictScope = z.enum(['unlabeled', 'all', 'val', 'selected']);

export const trainingMethods = {
  'train.plan': method(
    z.object({ overrides: TrainOverrides.optional() }).strict(),
    TrainPlan,
    'The settings one click on Train would use (chosen from the dataset and the compute backend), and why.',
  ),
  'train.start': method(
    z.object({ overrides: TrainOverrides.optional() }).strict(),
    RunInfo,
    'Start a training run in the trainer process; progress arrives as train.* events.',
  ),
  'train.cancel': method(z.object({ runId: Id }).strict(), z.null(), 'Stop a run after a checkpoint.'),
  'train.resume': method(
    z.object({ runId: Id }).strict(),
    RunInfo,
    'Continue a stopped run from its last checkpoint.',
  ),
  'runs.list': method(Empty, z.array(RunInfo), 'Every training run, newest first.'),
  'runs.metrics': method(
    z.object({ runId: Id }).strict(),
    z.object({ steps: z.array(StepMetrics), evals: z.array(EvalSummary) }),
    'The recorded loss, learning-rate and validation history of a run.',
  ),
  'models.list': method(Empty, z.array(ModelInfo), 'Trained models, newest first.'),
  'predict.run': method(
    z.object({ modelId: Id, scope: PredictScope, imageIds: z.array(Id).max(100_000).optional() }).strict(),
    z.object({ images: z.number().int(), predictions: z.number().int() }),
    'Run a model over images and store its predictions (pending suggestions).',
  ),
  'predictions.get': method(
    z.object({ modelId: Id, imageId: Id }).strict(),
    z.array(Prediction),
    "One image's predictions from a model.",
  ),
  'predictions.latest': method(
    z.object({ imageId: Id }).strict(),
    z.object({ modelId: z.number().int().nullable(), predictions: z.array(Prediction) }),
    "One image's predictions from the newest model that predicted it (modelId null: none has).",
  ),
  'predictions.resolve': method(
    z
      .object({ ids: z.array(Id).min(1).max(10_000), state: z.enum(['accepted', 'rejected', 'pending']) })
      .strict(),
    z.null(),
    'Mark suggestions accepted (after the caller saved them as labels), rejected, or pending again (undo).',
  ),
  'predictions.export': method(
    z.object({ modelId: Id, path: z.string().min(1) }).strict(),
    z.object({ path: z.string(), detections: z.number().int() }),
    'Write a model’s predictions as a COCO results file.',
  ),
  'predictions.import': method(
    z
      .object({
        /** A COCO results file: [{image_id, category_id, bbox, score}, …]. */
        path: AbsPath,
        name: z.string().trim().min(1).max(100).optional(),
        /**
         * The COCO file whose image and category ids the results use (matched to the project by file
         * name and class name); without it, the ids are the project's own, as `predictions.export` writes.
         */
        images: AbsPath.optional(),
      })
      .strict(),
    PredictionImportReport,
    "A COCO results file of any detector becomes a model of the project, with its detections as the model's predictions.",
  ),
  'models.export': method(
    z.object({ modelId: Id, dir: AbsPath }).strict(),
    ModelExportReport,
    'Write a trained model as TensorFlow.js weights (model.json and shards), its pre- and post-processing ' +
      'settings, and a JavaScript module that finds boxes with it in Node or a browser.',
  ),
  'review.evaluate': method(
    z.object({ modelId: Id, split: z.enum(['val', 'train', 'all']).default('val') }).strict(),
    ModelEvaluation,
    'COCO mAP of a model’s stored predictions against the labels, with per-class AP and PR curves.',
  ),
  'review.images': method(
    z
      .object({
        modelId: Id,
        scoreThreshold: z.number().min(0).max(1).default(0.3),
        sort: z.enum(['errors', 'uncertainty', 'name']).default('errors'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(ReviewRow) }),
    'Images with their true positives, false positives and missed boxes at IoU ≥ 0.5.',
  ),
  'review.image': method(
    z.object({ modelId: Id, imageId: Id, scoreThreshold: z.number().min(0).max(1).default(0.3) }).strict(),
    z.object({
      /** False for an unlabeled image: its predictions are neither right nor wrong, only suggestions. */
      labeled: z.boolean(),
      predictions: z.array(Prediction.extend({ matchedBoxId: z.number().int().nullable() })),
      /** Labeled boxes no prediction above the threshold matched (IoU ≥ 0.5, same class). */
      missedBoxIds: z.array(z.number().int()),
    }),
    "One image's predictions above a score threshold, matched to its labels (TP / FP / FN).",
  ),
  'inspect.run': method(
    z.object({ modelId: Id, imageId: Id, boxId: Id }).strict(),
    InspectResult,
    'Per-FPN-level score, IoU, centre prior, w_pos and w_neg for one labeled box (and the FCOS targets).',
  ),
};

export const trainingEvents = {
  'train.step': z.object({ runId: z.number().int(), metrics: StepMetrics }),
  'train.eval': z.object({ runId: z.number().int(), summary: EvalSummary }),
  'train.state': z.object({ runId: z.number().int(), state: RunState, message: z.string().nullable() }),
  /** An image the run could not decode: it goes on without it. */
  'train.skipped': z.object({ runId: z.number().int(), file: z.string(), reason: z.string() }),
};
