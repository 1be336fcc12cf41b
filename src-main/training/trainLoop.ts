// The training loop (SPEC §9, scaled to small datasets): SGD with momentum, weight decay off the norm
// layers, linear warmup, step decay, optional gradient clipping, checkpoints every N steps, resume,
// periodic validation, and metrics streamed to the main side.
import { detectorConfig, type DetectorConfig } from '../detector/config';
import {
  createDetector,
  disposeDetector,
  exportWeights,
  importWeights,
  trainStep,
  type Detector,
} from '../detector/model';
import { SgdMomentum } from '../detector/optimizer';
import { tf } from '../detector/tf';
import type { Tensor4D } from '../detector/tf';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, saveModel } from './checkpoint';
import { detectImages } from './inference';
import { BatchStream } from './pipeline';
import type { Detection, EvalSummary, Snapshot, StepMetrics, TrainConfig } from './protocol';
import { learningRate } from './schedule';
import { evaluateSnapshot } from './validate';
import path from 'node:path';

export interface TrainContext {
  step(metrics: StepMetrics): void;
  evaluated(summary: EvalSummary): void;
  checkpointed(step: number, dir: string): void;
  /** The detections of each validation, sent before its summary. */
  detections?(dets: Detection[]): void;
  cancelled(): boolean;
  /** Wall clock in seconds (injected so tests can drive a time budget). */
  now?(): number;
}

export interface TrainResult {
  modelDir: string;
  steps: number;
  elapsedSec: number;
  cancelled: boolean;
  final: EvalSummary | null;
  imagesPerSec: number;
}

/**
 * Warmup never takes more than this share of a run: SPEC §9's 1,000 warmup iterations are under 10% of
 * a 12-epoch COCO schedule, and a short run on a small dataset must still reach its learning rate.
 */
const WARMUP_SHARE = 0.1;

/** How often (seconds) step metrics are sent: charts stay live without flooding the channel. */
const REPORT_EVERY_SEC = 0.25;

export function detectorConfigFor(config: TrainConfig, numClasses: number): DetectorConfig {
  return detectorConfig({
    preset: config.preset,
    numClasses,
    assigner: config.assigner,
    // Box refinement is part of DW's head (SPEC §6); the FCOS baseline has none (SPEC §8).
    refine: config.assigner === 'dw' && config.refine,
    inputSize: config.size,
    seed: config.seed + 1,
  });
}

export async function train(
  config: TrainConfig,
  snapshot: Snapshot,
  runDir: string,
  resume: boolean,
  ctx: TrainContext,
): Promise<TrainResult> {
  const now = ctx.now ?? (() => performance.now() / 1000);
  const numClasses = snapshot.classes.length;
  if (numClasses === 0)
    throw new Error('The project has no classes: add a class and label some boxes first.');
  if (snapshot.train.length === 0)
    throw new Error('No labeled training images: label some images (split "train") first.');
  const cfg = detectorConfigFor(config, numClasses);
  const det = createDetector(cfg);
  const optimizer = new SgdMomentum({ momentum: config.momentum, weightDecay: config.weightDecay });
  try {
    let step = 0;
    let elapsedBefore = 0;
    if (resume) {
      const latest = listCheckpoints(runDir).pop();
      if (!latest) throw new Error('This run has no checkpoint to resume from.');
      const ck = loadCheckpoint(latest);
      importWeights(det, ck.weights);
      optimizer.importSlots(ck.slots);
      tf.dispose([...ck.weights.values(), ...ck.slots.values()]);
      step = ck.meta.step;
      elapsedBefore = ck.meta.elapsedSec;
    }
    const stream = new BatchStream(
      snapshot.train,
      { size: config.size, batchSize: config.batchSize, seed: config.seed, flip: config.flip },
      step,
    );
    const batchSize = Math.min(config.batchSize, snapshot.train.length);
    const stepsPerEpoch = stream.stepsPerEpoch;
    const stepBudget = config.maxSteps ?? (config.epochs !== null ? config.epochs * stepsPerEpoch : null);
    const secondsBudget = config.maxSteps === null && config.minutes !== null ? config.minutes * 60 : null;
    if (stepBudget === null && secondsBudget === null) throw new Error('Set a budget: epochs or minutes.');

    const started = now() - elapsedBefore;
    const elapsed = () => now() - started;
    // The schedule needs the run's length: exact for step and epoch budgets, estimated from the speed
    // so far for a time budget (after a few steps; until then the configured warmup applies).
    const estimatedSteps = (): number | null => {
      if (stepBudget !== null) return stepBudget;
      const ran = step - startStep;
      if (secondsBudget === null || ran < 3) return null;
      return Math.round(
        step + ((secondsBudget - elapsed()) * ran) / Math.max(elapsed() - elapsedBefore, 1e-6),
      );
    };
    const warmupFor = (total: number | null) =>
      total === null
        ? config.warmupSteps
        : Math.min(config.warmupSteps, Math.max(1, Math.round(total * WARMUP_SHARE)));
    const progress = () =>
      Math.max(stepBudget ? step / stepBudget : 0, secondsBudget ? elapsed() / secondsBudget : 0);

    const saveCk = async () => {
      const dir = await saveCheckpoint(runDir, exportWeights(det), optimizer.exportSlots(), {
        step,
        elapsedSec: elapsed(),
        detector: cfg,
        classes: snapshot.classes,
      });
      ctx.checkpointed(step, dir);
    };

    let windowStart = now();
    let windowSteps = 0;
    const sums = new Map<string, number>();
    let lastEval: EvalSummary | null = null;
    let cancelled = false;
    const startStep = step;

    while (progress() < 1) {
      if (ctx.cancelled()) {
        cancelled = true;
        break;
      }
      const batch = await stream.next();
      const lr = learningRate({ ...config, warmupSteps: warmupFor(estimatedSteps()) }, step, progress());
      const images = tf.tensor4d(batch.images, [batchSize, config.size, config.size, 3]) as Tensor4D;
      const { losses, termNames } = trainStep(det, optimizer, images, batch.targets, lr, config.clipNorm);
      images.dispose();
      const values = (await losses.data()) as Float32Array;
      losses.dispose();
      step++;
      if (!Number.isFinite(values[0]!)) {
        throw new Error(
          `Training diverged at step ${step} (the loss is ${values[0]}). Try a lower learning rate or enable gradient clipping.`,
        );
      }
      ['total', ...termNames].forEach((name, i) => sums.set(name, (sums.get(name) ?? 0) + values[i]!));
      windowSteps++;
      const t = now();
      const done = progress() >= 1;
      // The first step of a start or a resume is always reported: it shows where the run (re)started.
      if (t - windowStart >= REPORT_EVERY_SEC || done || step === startStep + 1) {
        const imagesPerSec = (windowSteps * batchSize) / Math.max(t - windowStart, 1e-6);
        const p = progress();
        const losses = Object.fromEntries([...sums].map(([k, v]) => [k, v / windowSteps]));
        ctx.step({
          step,
          totalSteps: stepBudget,
          epoch: step / stepsPerEpoch,
          lr,
          losses,
          imagesPerSec,
          elapsedSec: elapsed(),
          etaSec: p > 0 && step > startStep ? (elapsed() * (1 - p)) / p : null,
        });
        sums.clear();
        windowSteps = 0;
        windowStart = t;
      }
      if (step % config.checkpointEvery === 0 && !done) await saveCk();
      if (config.evalEvery !== null && step % config.evalEvery === 0 && !done && snapshot.val.length > 0) {
        lastEval = await validate(det, snapshot, step, ctx);
      }
    }

    await saveCk();
    if (!cancelled && snapshot.val.length > 0) lastEval = await validate(det, snapshot, step, ctx);
    const modelDir = path.join(runDir, 'model');
    if (!cancelled) {
      await saveModel(modelDir, exportWeights(det), {
        detector: cfg,
        classes: snapshot.classes,
        trainedSteps: step,
        createdAt: new Date().toISOString(),
      });
    }
    const total = elapsed();
    return {
      modelDir,
      steps: step,
      elapsedSec: total,
      cancelled,
      final: lastEval,
      imagesPerSec: ((step - startStep) * batchSize) / Math.max(total - elapsedBefore, 1e-6),
    };
  } finally {
    optimizer.dispose();
    disposeDetector(det);
  }
}

async function validate(
  det: Detector,
  snapshot: Snapshot,
  step: number,
  ctx: TrainContext,
): Promise<EvalSummary> {
  const dets = await detectImages(det, snapshot.val, { cancelled: () => ctx.cancelled() });
  ctx.detections?.(dets);
  const result = evaluateSnapshot(snapshot.val, dets, snapshot.classes.length);
  const summary: EvalSummary = {
    step,
    AP: result.summary.AP,
    AP50: result.summary.AP50,
    AP75: result.summary.AP75,
    perClass: result.perClass.map((c) => ({ classIndex: c.classId, AP: c.AP, AP50: c.AP50 })),
  };
  ctx.evaluated(summary);
  return summary;
}
