// The training loop (SPEC §9, scaled to small datasets): SGD with momentum, weight decay off the norm
// layers, linear warmup, step decay, optional gradient clipping, checkpoints every N steps, resume,
// validation, and metrics streamed to the main side. Each step's batch is split over the replicas
// (one per compute worker), which sum their gradients and apply the same update.
//
// The run's length is fixed in steps before its first step: from a step or epoch budget directly, or
// from a time budget and the measured speed of a few steps that change nothing. The learning rate is
// then a function of the step alone, so a resumed run (which keeps the length in its checkpoint)
// follows the same curve, and a seed with a length gives the same run.
import { detectorConfig, type DetectorConfig } from '../detector/config';
import { runSettings } from '../shared/runSettings';
import type {
  Detection,
  EvalSummary,
  JobResult,
  SkippedImage,
  Snapshot,
  StepMetrics,
  TrainConfig,
  TrainProfile,
} from '../training/protocol';
import { listCheckpoints, modelDirOf } from '../training/runFiles';
import { readPretrained } from './pretrained';
import { loadCheckpoint, saveCheckpoint, saveModel, type CheckpointMeta } from './checkpoint';
import { detectAcross } from './inference';
import {
  batchCanvas,
  BatchStream,
  ImageCache,
  packPixels,
  type Batch,
  type Sample,
  type UnreadableImage,
} from './pipeline';
import type { Replicas } from './replicas';
import { learningRate } from './schedule';
import { evaluateSnapshot } from './validate';
import { VALIDATION_SHARE, ValidationPlan } from './validationPlan';

export interface TrainContext {
  step(metrics: StepMetrics): void;
  evaluated(summary: EvalSummary): void;
  checkpointed(step: number, dir: string): void;
  /** The detections of each validation, sent before its summary. */
  detections?(dets: Detection[]): void;
  /** An image that could not be decoded: skipped for the rest of the run. */
  skipped?(image: SkippedImage): void;
  cancelled(): boolean;
  /** Called before each step (tests inject failures here). */
  beforeStep?(step: number): void;
  /** Wall clock in seconds (injected so tests can drive a time budget). */
  now?(): number;
}

export type TrainResult = JobResult<'train'>;

/** How often (seconds) step metrics are sent: charts stay live without flooding the channel. */
const REPORT_EVERY_SEC = 0.25;
/** Steps timed, after one warm-up, to fix the length of a run with a time budget. */
const CALIBRATION_STEPS = 2;

/**
 * The detector a run trains. Started from ImageNet weights, the backbone fine-tunes as SPEC §1.1 does:
 * BatchNorm with the stored statistics, the stem and first stage frozen. From scratch, every backbone
 * norm is a GroupNorm (batch statistics of 1–8 images are noise).
 */
export function detectorConfigFor(config: TrainConfig, numClasses: number): DetectorConfig {
  const fineTune = config.weights !== null;
  return detectorConfig({
    preset: config.preset,
    numClasses,
    assigner: config.assigner,
    refine: runSettings(config).refine,
    inputSize: config.size,
    seed: config.seed + 1,
    ...(config.preset === 'small'
      ? {}
      : { backboneNorm: fineTune ? 'frozen-bn' : 'gn', frozenStages: fineTune ? 1 : 0 }),
  });
}

/** A batch's samples split over `n` replicas as evenly as possible (the first ones take the rest). */
export function splitSamples<T>(samples: readonly T[], n: number): T[][] {
  const base = Math.floor(samples.length / n);
  const extra = samples.length % n;
  const out: T[][] = [];
  let at = 0;
  for (let r = 0; r < n; r++) {
    const take = base + (r < extra ? 1 : 0);
    out.push(samples.slice(at, at + take));
    at += take;
  }
  return out;
}

export async function train(
  config: TrainConfig,
  snapshot: Snapshot,
  runDir: string,
  resume: boolean,
  replicas: Replicas,
  ctx: TrainContext,
  /** The cached file of `config.weights` (the host resolves it); null for a run from scratch. */
  weightsFile: string | null = null,
): Promise<TrainResult> {
  const now = ctx.now ?? (() => performance.now() / 1000);
  const numClasses = snapshot.classes.length;
  if (numClasses === 0)
    throw new Error('The project has no classes: add a class and label some boxes first.');
  if (snapshot.train.length === 0)
    throw new Error('No labeled training images: label some images (split "train") first.');
  const cfg = detectorConfigFor(config, numClasses);
  const optimizer = { momentum: config.momentum, weightDecay: config.weightDecay };

  let step = 0;
  let elapsedBefore = 0;
  let totalSteps: number | null = null;
  if (resume) {
    const latest = listCheckpoints(runDir).pop();
    if (!latest) throw new Error('This run has no checkpoint to resume from.');
    const { weights, meta } = loadCheckpoint(latest);
    await replicas.load(cfg, { kind: 'weights', weights, key: null }, optimizer);
    step = meta.step;
    elapsedBefore = meta.elapsedSec ?? 0;
    // A checkpoint written before runs fixed their length has none: the budget decides it again.
    totalSteps = (meta as Partial<CheckpointMeta>).totalSteps ?? null;
  } else if (config.weights) {
    const state = readPretrained(config.weights, weightsFile);
    await replicas.load(cfg, { kind: 'pretrained', state: [...state], key: null }, optimizer);
  } else {
    await replicas.load(cfg, { kind: 'fresh' }, optimizer);
  }

  const cache = new ImageCache(config.size);
  const stream = new BatchStream(
    snapshot.train,
    { batchSize: config.batchSize, seed: config.seed, flip: config.flip },
    cache,
    step,
  );
  const batchSize = stream.batchSize;
  const stepsPerEpoch = stream.stepsPerEpoch;
  const secondsBudget = config.maxSteps === null && config.minutes !== null ? config.minutes * 60 : null;
  const stepBudget = config.maxSteps ?? (config.epochs !== null ? config.epochs * stepsPerEpoch : null);
  if (stepBudget === null && secondsBudget === null) throw new Error('Set a budget: epochs or minutes.');

  const started = now() - elapsedBefore;
  const elapsed = () => now() - started;
  // Each unreadable image is named once; the cache remembers it, so it is not decoded again.
  const named = new Set<number>();
  const skip = (image: SkippedImage) => {
    if (named.has(image.imageId)) return;
    named.add(image.imageId);
    ctx.skipped?.(image);
  };
  const reportUnreadable = (batch: Batch) =>
    batch.unreadable.forEach((u: UnreadableImage) =>
      skip({ imageId: u.image.id, path: u.image.path, reason: u.reason }),
    );

  const profile: TrainProfile = {
    calibration: 0,
    dataWait: 0,
    pack: 0,
    steps: 0,
    gradients: 0,
    exchange: 0,
    update: 0,
    checkpoints: 0,
    validation: 0,
    total: 0,
  };
  const clock = () => performance.now() / 1000;
  const timed = async <T>(key: keyof TrainProfile, work: () => Promise<T>): Promise<T> => {
    const t = clock();
    try {
      return await work();
    } finally {
      profile[key] += clock() - t;
    }
  };

  /** One step over the replicas; `apply: false` measures without changing anything. */
  const runStep = async (samples: Sample[], lr: number, apply: boolean) => {
    const t0 = clock();
    const canvas = batchCanvas(samples, config.size);
    const slices = splitSamples(samples, replicas.size).map((slice) => ({
      slice,
      pixels: slice.length > 0 ? packPixels(slice, config.size, canvas) : null,
    }));
    const t1 = clock();
    const replies = await Promise.all(
      slices.map(({ slice, pixels }, rank) =>
        replicas.call(
          rank,
          { op: 'step', pixels, targets: slice.map((s) => s.target), lr, clipNorm: config.clipNorm, apply },
          pixels ? [pixels.data.buffer as ArrayBuffer] : [],
        ),
      ),
    );
    if (apply) {
      const { timing } = replies[0]!;
      profile.pack += t1 - t0;
      profile.steps += clock() - t1;
      profile.gradients += timing.gradientsMs / 1000;
      profile.exchange += timing.exchangeMs / 1000;
      profile.update += timing.updateMs / 1000;
    }
    const losses = replies[0]!.losses.map((_, i) => replies.reduce((a, r) => a + r.losses[i]!, 0));
    return { losses, termNames: replies[0]!.termNames, memoryBytes: replies[0]!.memoryBytes };
  };

  const partStarted = clock();
  let pending: Batch | null = await timed('dataWait', () => stream.next());
  reportUnreadable(pending);
  let stepSec = 0;
  if (totalSteps === null && stepBudget !== null) totalSteps = stepBudget;
  if (totalSteps === null) {
    // A time budget: time a few steps that change nothing (after one that warms the kernels up).
    const first = pending;
    await timed('calibration', async () => {
      await runStep(first.samples, 0, false);
      const t0 = now();
      for (let i = 0; i < CALIBRATION_STEPS; i++) await runStep(first.samples, 0, false);
      stepSec = (now() - t0) / CALIBRATION_STEPS;
    });
    const trainSec = (secondsBudget! - elapsed()) * (1 - VALIDATION_SHARE);
    totalSteps = Math.max(step + 1, Math.floor(trainSec / stepSec));
  }
  const total = totalSteps;
  const plan = new ValidationPlan({
    totalSteps: total,
    fromStep: step,
    valImages: snapshot.val.length,
    evalEvery: config.evalEvery,
    seed: config.seed,
    batchSize,
  });

  const saveCk = async () => {
    const meta: CheckpointMeta = {
      step,
      totalSteps: total,
      elapsedSec: elapsed(),
      detector: cfg,
      classes: snapshot.classes,
    };
    const dir = await timed('checkpoints', async () => {
      const weights = await replicas.call(0, { op: 'exportState', withMomentum: true });
      return saveCheckpoint(runDir, weights, meta);
    });
    ctx.checkpointed(step, dir);
  };

  const validate = async (images: Snapshot['val']): Promise<EvalSummary | null> => {
    const t0 = now();
    const started = clock();
    const readable = images.filter((im) => cache.unreadable(im.id) === undefined);
    const { detections, done } = await detectAcross(replicas, readable, config.size, {
      load: (im) => cache.get(readable.find((v) => v.id === im.id)!),
      onSkipped: skip,
      cancelled: () => ctx.cancelled(),
    });
    if (ctx.cancelled()) return null;
    const looked = new Set(done);
    const evaluated = images.filter((im) => looked.has(im.id));
    // None of them could be decoded: there is nothing to measure.
    if (evaluated.length === 0) return null;
    ctx.detections?.(detections);
    const result = evaluateSnapshot(evaluated, detections, numClasses);
    const summary: EvalSummary = {
      step,
      AP: result.summary.AP,
      AP50: result.summary.AP50,
      AP75: result.summary.AP75,
      perClass: result.perClass.map((c) => ({ classIndex: c.classId, AP: c.AP, AP50: c.AP50 })),
      images: evaluated.length,
    };
    plan.spent(now() - t0, images.length);
    profile.validation += clock() - started;
    ctx.evaluated(summary);
    return summary;
  };

  let windowStart = now();
  let windowSteps = 0;
  let recentStepSec = stepSec;
  const sums = new Map<string, number>();
  let lastEval: EvalSummary | null = null;
  let cancelled = false;
  const startStep = step;
  /** What the last step ran with, for its report. */
  let last = { lr: 0, memoryBytes: 0 };

  /** Sends the steps since the last report as one (mean losses over them). */
  const report = (t: number) => {
    const windowSec = Math.max(t - windowStart, 1e-6);
    recentStepSec = windowSec / windowSteps;
    const losses = Object.fromEntries([...sums].map(([k, v]) => [k, v / windowSteps]));
    ctx.step({
      step,
      totalSteps: total,
      epoch: step / stepsPerEpoch,
      lr: last.lr,
      losses,
      imagesPerSec: (windowSteps * batchSize) / windowSec,
      elapsedSec: elapsed(),
      etaSec: (total - step) * recentStepSec + plan.remainingSec(step),
      ...(replicas.compute.usesGpu ? { gpuMemoryMb: Math.round(last.memoryBytes / 2 ** 20) } : {}),
    });
    sums.clear();
    windowSteps = 0;
    windowStart = t;
  };

  try {
    while (step < total) {
      if (ctx.cancelled()) {
        cancelled = true;
        break;
      }
      ctx.beforeStep?.(step);
      let batch = pending;
      pending = null;
      if (!batch) {
        batch = await timed('dataWait', () => stream.next());
        reportUnreadable(batch);
      }
      const lr = learningRate(config, step, total);
      const { losses: values, termNames, memoryBytes } = await runStep(batch.samples, lr, true);
      if (!Number.isFinite(values[0]!)) {
        throw new Error(
          `Training diverged at step ${step + 1} (the loss is ${values[0]}). Try a lower learning rate or enable gradient clipping.`,
        );
      }
      step++;
      ['total', ...termNames].forEach((name, i) => sums.set(name, (sums.get(name) ?? 0) + values[i]!));
      windowSteps++;
      last = { lr, memoryBytes };
      const t = now();
      const done = step >= total;
      // The first step of a start or a resume is always reported: it shows where the run (re)started.
      if (t - windowStart >= REPORT_EVERY_SEC || done || step === startStep + 1) report(t);
      if (step % config.checkpointEvery === 0 && !done) await saveCk();
      const due = done ? null : plan.due(step, recentStepSec);
      if (due !== null) lastEval = (await validate(plan.images(snapshot.val, due))) ?? lastEval;
    }
  } catch (e) {
    // A run that fails still says how far it got: the steps done since the last report are sent.
    if (windowSteps > 0) report(now());
    throw e;
  }

  await saveCk();
  if (!cancelled && snapshot.val.length > 0) lastEval = (await validate(snapshot.val)) ?? lastEval;
  let modelDir: string | null = null;
  if (!cancelled) {
    modelDir = modelDirOf(runDir);
    saveModel(modelDir, await replicas.call(0, { op: 'exportState', withMomentum: false }), {
      detector: cfg,
      classes: snapshot.classes,
      trainedSteps: step,
      createdAt: new Date().toISOString(),
    });
  }
  const totalSec = elapsed();
  profile.total = clock() - partStarted;
  return {
    profile,
    modelDir,
    steps: step,
    totalSteps: total,
    elapsedSec: totalSec,
    cancelled,
    final: lastEval,
    imagesPerSec: ((step - startStep) * batchSize) / Math.max(totalSec - elapsedBefore, 1e-6),
  };
}
