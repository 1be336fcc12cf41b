// Training runs: the one-click plan, start / cancel / resume in the trainer process, and what the
// run writes back (metrics, the model, its validation predictions) into the project database.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cpuDevice, trainingWorkers, usesWorkers, type ComputeReport } from '../shared/api/system';
import {
  Preset,
  TrainConfig,
  type RunInfo,
  type TrainConfigInput,
  type TrainPlan,
  type TrainProfile,
} from '../shared/api/training';
import type { Handlers } from '../shared/contract';
import { humanBytes } from '../shared/bytes';
import { AppError } from '../shared/errors';
import { pretrainedById, type PretrainedWeights } from '../shared/pretrained';
import { modelName, runSettings } from '../shared/runSettings';
import type { RunRow, RunSummary } from '../store/training';
import type { JobHandle } from '../training/jobHost';
import { Snapshot, type Detection, type SkippedImage } from '../training/protocol';
import { latestCheckpointStep, runDirOf, snapshotFileOf } from '../training/runFiles';
import type { ServiceContext } from './context';
import { savePredictionBatch } from './predictionStore';
import type { ProjectSession } from './session';
import { buildSnapshot } from './snapshot';
import type { TrainerHost } from './trainerHost';
import type { WeightsService } from './weightsService';

interface ActiveRun {
  runId: number;
  job: JobHandle;
  session: ProjectSession;
}

export function runDir(session: ProjectSession, runId: number): string {
  return runDirOf(session.dataDir, runId);
}

export function toRunInfo(row: RunRow): RunInfo {
  const summary = (row.summary ? JSON.parse(row.summary) : {}) as Partial<RunSummary>;
  return {
    id: row.id,
    createdAt: row.createdAt,
    state: row.status,
    config: TrainConfig.parse(JSON.parse(row.config)),
    backend: summary.backend ?? row.backend,
    device: summary.device ?? null,
    snapshotHash: row.snapshotHash ?? '',
    trainImages: summary.trainImages ?? 0,
    valImages: summary.valImages ?? 0,
    steps: summary.steps ?? 0,
    durationSec: summary.durationSec ?? 0,
    imagesPerSec: summary.imagesPerSec ?? null,
    AP: summary.AP ?? null,
    AP50: summary.AP50 ?? null,
    totalSteps: summary.totalSteps ?? null,
    skippedImages: (summary.skippedImages ?? []).map((s) => ({
      file: path.basename(s.path),
      reason: s.reason,
    })),
    profile: summary.profile ?? null,
    error: row.error,
    modelId: row.modelId,
  };
}

/**
 * The settings one click would use. CPU training gets the small network at a modest size and a time
 * budget; a GPU gets a ResNet and epochs. Every choice says why.
 */
const WASM_HEAP_MB = 4096;
/** Peak tensor memory of a training step per input pixel, MB (bench:detector, batch 4 / 1 at 256²). */
const TENSOR_MB_PER_PIXEL: Record<TrainConfig['preset'], number> = {
  small: 581 / (4 * 256 * 256),
  mobilenet_v2: 1640 / (4 * 256 * 256),
  resnet18: 2287 / (4 * 256 * 256),
  resnet50: 2500 / (256 * 256),
};

export function estimatedTensorMb(c: Pick<TrainConfig, 'preset' | 'size' | 'batchSize'>): number {
  return TENSOR_MB_PER_PIXEL[c.preset] * c.batchSize * c.size * c.size;
}

/** The compute a run would use: on the CPU backends, the device line with its number of workers. */
export function runCompute(compute: ComputeReport, workers: number | null): ComputeReport {
  if (!usesWorkers(compute.backend)) return compute;
  const threads = workers ?? compute.threads;
  const simd = /SIMD/.test(compute.device);
  return { ...compute, threads, device: cpuDevice(threads, compute.backend as 'wasm' | 'cpu', simd) };
}

/** The plan's line on where the backbone starts: which ImageNet weights and how they arrive, or why from scratch. */
function weightsReason(config: TrainConfig, a: WeightsAvailability | null, userSet: boolean): string {
  const w = config.weights ? knownWeights(config.weights.id, a) : null;
  if (config.weights) {
    const name = w ? `${w.title} weights (${w.source}, ${w.licence})` : `weights ${config.weights.id}`;
    const how =
      a?.state === 'cached'
        ? 'already in the weights folder'
        : `downloaded first (${w ? `${humanBytes(w.bytes)} ` : ''}from ${w?.url ?? 'their source'})`;
    return `Starts from the ${name}${userSet ? ' (your setting)' : ''}, ${how}: the backbone fine-tunes with its BatchNorm statistics, stem and first stage frozen, learning rate ${config.lr} with a ${config.warmupSteps}-step warmup.`;
  }
  if (userSet) return 'Trains the whole network from scratch (your setting).';
  if (a?.state === 'unavailable')
    return `Trains from scratch: the ${a.weights.title} weights are not here and cannot be downloaded (${a.reason ?? 'unreachable'}). Fetch ${a.weights.url} elsewhere and add it in Settings → Import weights file… to start from ImageNet.`;
  return config.preset === 'small'
    ? 'Trains from scratch: the small network has no ImageNet weights.'
    : `Trains from scratch: no ImageNet weights are published for the ${config.preset} network.`;
}

/** The weights file named `id`: the one the plan looked up for the preset, else a published one. */
function knownWeights(id: string, a: WeightsAvailability | null): PretrainedWeights | null {
  return a?.weights.id === id ? a.weights : pretrainedById(id);
}

/** Whether a preset's ImageNet weights can start a run: here, downloadable, or neither and why. */
export interface WeightsAvailability {
  weights: PretrainedWeights;
  state: 'cached' | 'fetchable' | 'unavailable';
  /** Why they cannot be fetched (offline, refused); null otherwise. */
  reason: string | null;
}

/** Fine-tuning from ImageNet weights: SPEC §9.1's lr 0.01 at 16 images, scaled to the batch, and a warmup. */
export function fineTuneLr(batchSize: number): number {
  return (0.01 * batchSize) / 16;
}
const FINE_TUNE_WARMUP_STEPS = 500;

export function planTraining(
  probed: ComputeReport,
  counts: { train: number; val: number; classes: number },
  overrides: Partial<TrainConfigInput> = {},
  /** Compute workers from the user's settings (null: one per physical core). */
  settingsWorkers: number | null = null,
  /** The ImageNet weights of a preset and whether they can be had; null for presets without any. */
  pretrained: (preset: TrainConfig['preset']) => WeightsAvailability | null = () => null,
): TrainPlan {
  const clean = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as Partial<TrainConfigInput>;
  const usable = (preset: TrainConfig['preset']) => {
    const a = pretrained(preset);
    return a !== null && a.state !== 'unavailable';
  };
  const base: TrainConfigInput = { assigner: 'dw', refine: true, evalEvery: null, workers: settingsWorkers };
  if (probed.usesGpu) {
    base.preset = counts.train >= 300 ? 'resnet50' : 'resnet18';
    base.size = 512;
    base.batchSize = 8;
    base.epochs = Math.min(100, Math.max(12, Math.round(12_000 / Math.max(counts.train, 1))));
  } else {
    // The CPU network: MobileNetV2 when it can start from ImageNet, else the small one from scratch.
    base.preset = clean.weights !== null && usable('mobilenet_v2') ? 'mobilenet_v2' : 'small';
    base.size = probed.backend === 'tensorflow' ? 384 : 320;
    base.batchSize = 4;
    base.minutes = Math.min(60, Math.max(10, Math.round(counts.train / 10)));
    base.warmupSteps = 100;
  }
  if (clean.epochs !== undefined) base.minutes = null;
  if (clean.minutes !== undefined) base.epochs = null;
  const preset = clean.preset ?? base.preset;
  const availability = pretrained(preset);
  if (clean.weights === undefined && availability && availability.state !== 'unavailable') {
    const { id, sha256 } = availability.weights;
    base.weights = { id, sha256 };
  }
  if ((clean.weights ?? base.weights) != null) {
    base.lr = fineTuneLr(clean.batchSize ?? base.batchSize!);
    base.warmupSteps = FINE_TUNE_WARMUP_STEPS;
  }
  const config = TrainConfig.parse({ ...base, ...clean });
  const settings = runSettings(config);
  // The plan's settings are those the run will use.
  config.refine = settings.refine;
  const compute = runCompute(probed, trainingWorkers(probed.threads, config.workers, config.batchSize));

  // Reasons describe the settings actually used; a value the user set is marked as theirs.
  const yours = (key: keyof TrainConfigInput) => (key in clean ? ' (your setting)' : '');
  const reasons: string[] = [];
  if (compute.usesGpu) {
    reasons.push(
      `GPU (${compute.device}): the ${config.preset} network${yours('preset')} at ${config.size} px${yours('size')}, batch ${config.batchSize}.`,
    );
  } else {
    reasons.push(
      `No usable GPU: training on ${compute.device}, so the ${config.preset} network${yours('preset')} at ${config.size} px${yours('size')}${
        'preset' in clean ? '' : ' (the CPU-friendly choice)'
      }.`,
    );
  }
  // On a CPU the small network stands in for MobileNetV2 when its weights cannot be had: say why.
  const explained =
    availability ?? (compute.usesGpu || 'preset' in clean ? null : pretrained('mobilenet_v2'));
  reasons.push(weightsReason(config, explained, 'weights' in clean));
  if (usesWorkers(compute.backend)) {
    const threads = compute.threads;
    const n = `${threads} compute worker${threads === 1 ? '' : 's'}`;
    const why =
      threads < (config.workers ?? probed.threads)
        ? ', no more than the images of a step'
        : config.workers === null
          ? ', one per physical core'
          : 'workers' in clean
            ? ' (your setting)'
            : ' (from Settings)';
    reasons.push(
      threads === 1
        ? `${n}${why}: each step runs on one thread.`
        : `${n}${why}: each step's batch is split between them and their gradients are summed.`,
    );
  }
  if (config.minutes !== null) {
    reasons.push(
      `A ${config.minutes}-minute budget${yours('minutes')} for ${counts.train} training images; more time gives better accuracy.`,
    );
  } else if (config.epochs !== null) {
    reasons.push(`${config.epochs} epochs${yours('epochs')} over ${counts.train} training images.`);
  }
  reasons.push(
    config.assigner === 'dw'
      ? `DW label assignment${settings.refine ? ' with box refinement' : ''}${yours('assigner')} (the paper’s best setting is DW with refinement).`
      : `FCOS label assignment${yours('assigner')}: the baseline DW is compared against.`,
  );
  if (counts.val === 0)
    reasons.push('No validation images: mAP cannot be measured. Move some images to the val split.');
  if (settings.refineDropped) reasons.push(settings.refineDropped);
  let blocker: string | null = null;
  const needMb = estimatedTensorMb(config);
  if (compute.backend === 'wasm' && needMb > WASM_HEAP_MB * 0.8) {
    blocker = `This setting needs about ${(needMb / 1024).toFixed(1)} GB for training, more than WebAssembly's 4 GB: lower the input size, the batch, or use the small network.`;
  }
  if (config.weights) {
    const w = knownWeights(config.weights.id, availability);
    if (!w)
      blocker = `Unknown weights "${config.weights.id}": choose weights listed in Settings → Pretrained weights.`;
    else if (w.preset !== config.preset)
      blocker = `The ${w.title} weights fit the ${w.preset} network, not ${config.preset}: choose that network or train from scratch.`;
    else if (w.sha256 !== config.weights.sha256)
      blocker = `The ${w.title} weights this run names (SHA-256 ${config.weights.sha256}) are not the published file (${w.sha256}).`;
  }
  if (counts.classes === 0) blocker = 'Add at least one class and label some boxes first.';
  else if (counts.train === 0)
    blocker = 'Label at least one image in the train split (status labeled or reviewed).';
  return { config, reasons, compute, trainImages: counts.train, valImages: counts.val, blocker };
}

export class TrainingService {
  #active: ActiveRun | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly trainer: TrainerHost,
    private readonly weights: WeightsService | null = null,
  ) {}

  get activeRunId(): number | null {
    return this.#active?.runId ?? null;
  }

  async plan(overrides: Partial<TrainConfigInput> = {}): Promise<TrainPlan> {
    const session = this.ctx.project();
    const compute = await this.#compute();
    const snapshot = buildSnapshot(session);
    // Every preset's weights are looked up together (at most one question to their server a minute,
    // in parallel), so the rule of which network to pick lives in planTraining alone.
    const known = new Map(
      await Promise.all(
        Preset.options.map(async (p) => [p, (await this.weights?.availability(p)) ?? null] as const),
      ),
    );
    return planTraining(
      compute,
      { train: snapshot.train.length, val: snapshot.val.length, classes: snapshot.classes.length },
      overrides,
      this.trainer.workers(),
      (preset) => known.get(preset) ?? null,
    );
  }

  async start(overrides: Partial<TrainConfigInput> = {}): Promise<RunInfo> {
    const session = this.ctx.project();
    this.#assertIdle();
    const plan = await this.plan(overrides);
    if (plan.blocker) throw new AppError('conflict', plan.blocker);
    // Weights not yet here are downloaded first (weights.progress events); offline, the error says
    // where to fetch them and how to add them.
    const weightsFile = plan.config.weights ? await this.#weightsFile(plan.config.weights.id) : null;
    this.#assertIdle();
    const snapshot = buildSnapshot(session);
    const repo = session.store.training;
    const runId = repo.createRun(plan.config, snapshot.hash);
    const dir = runDir(session, runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(snapshotFileOf(dir), JSON.stringify(snapshot));
    this.#launch(session, runId, plan.config, snapshot, false, weightsFile);
    return toRunInfo(repo.run(runId)!);
  }

  async resume(runId: number): Promise<RunInfo> {
    const session = this.ctx.project();
    this.#assertIdle();
    const repo = session.store.training;
    const row = repo.run(runId);
    if (!row) throw new AppError('not_found', `Run ${runId} does not exist`);
    if (row.status === 'done')
      throw new AppError('conflict', `Run ${runId} has finished; start a new run instead.`);
    const dir = runDir(session, runId);
    const step = latestCheckpointStep(dir);
    if (step === null)
      throw new AppError('conflict', `Run ${runId} stopped before its first checkpoint: start a new run.`);
    repo.truncateMetrics(runId, step);
    const config = TrainConfig.parse(JSON.parse(row.config));
    const snapshot = Snapshot.parse(JSON.parse(readFileSync(snapshotFileOf(dir), 'utf8')));
    this.#launch(session, runId, config, snapshot, true);
    return toRunInfo(repo.run(runId)!);
  }

  cancel(runId: number): null {
    if (this.#active?.runId !== runId) throw new AppError('not_found', `Run ${runId} is not training`);
    this.#active.job.cancel();
    return null;
  }

  /** Stops the active run of a project that is closing; its checkpoint lets it resume later. */
  async stopFor(session: ProjectSession): Promise<void> {
    const active = this.#active;
    if (active?.session !== session) return;
    active.job.cancel();
    await active.job.done.catch(() => {});
  }

  #assertIdle(): void {
    if (this.#active) {
      throw new AppError(
        'conflict',
        `Run ${this.#active.runId} is training: cancel it or wait for it to finish.`,
      );
    }
  }

  async #weightsFile(id: string): Promise<string> {
    if (!this.weights)
      throw new AppError('unsupported', 'This app has no weights folder to start runs from.');
    return this.weights.fileFor(id);
  }

  async #compute(): Promise<ComputeReport> {
    try {
      return await this.trainer.host().compute();
    } catch (e) {
      throw new AppError('internal', `The trainer process could not start: ${(e as Error).message}`);
    }
  }

  #launch(
    session: ProjectSession,
    runId: number,
    config: TrainConfig,
    snapshot: Snapshot,
    resume: boolean,
    weightsFile: string | null = null,
  ): void {
    const repo = session.store.training;
    const dir = runDir(session, runId);
    const host = this.trainer.host();
    const emitState = (state: RunInfo['state'], message: string | null = null) =>
      this.ctx.events.emit('train.state', { runId, state, message });
    // A resumed run keeps what its first part recorded.
    const before = toRunInfo(repo.run(runId)!);
    const earlier = JSON.parse(repo.run(runId)!.summary ?? '{}') as Partial<RunSummary>;
    let lastStep = { step: before.steps, imagesPerSec: 0, elapsedSec: before.durationSec };
    let totalSteps: number | null = earlier.totalSteps ?? null;
    let compute: ComputeReport | null = null;
    const skipped: SkippedImage[] = [...(earlier.skippedImages ?? [])];
    let lastAP: { AP: number; AP50: number } | null = null;
    let profile: TrainProfile | null = null;
    // Each validation streams its detections, then its summary: keep the last complete set.
    let pendingDetections: Detection[] = [];
    let lastEvalDetections: Detection[] = [];
    let finalEvalStep = -1;

    const summary = (): RunSummary => ({
      backend: compute?.backend ?? host.lastCompute?.backend ?? null,
      device: compute?.device ?? host.lastCompute?.device ?? null,
      trainImages: snapshot.train.length,
      valImages: snapshot.val.length,
      steps: lastStep.step,
      durationSec: lastStep.elapsedSec,
      imagesPerSec: lastStep.imagesPerSec || null,
      AP: lastAP?.AP ?? null,
      AP50: lastAP?.AP50 ?? null,
      totalSteps,
      skippedImages: skipped,
      profile,
    });

    const job = host.run(
      {
        kind: 'train',
        jobId: `run-${runId}-${Date.now()}`,
        runDir: dir,
        snapshotPath: snapshotFileOf(dir),
        config,
        resume,
        weightsFile,
      },
      (e) => {
        if (session.closed) return;
        if (e.type === 'step') {
          lastStep = e.metrics;
          if (e.metrics.totalSteps !== null && totalSteps !== e.metrics.totalSteps) {
            totalSteps = e.metrics.totalSteps;
            repo.setRunSummary(runId, summary());
          }
          repo.addMetric(runId, e.metrics.step, { type: 'step', metrics: e.metrics });
          this.ctx.events.emit('train.step', { runId, metrics: e.metrics });
        } else if (e.type === 'eval') {
          repo.addMetric(runId, e.summary.step, { type: 'eval', summary: e.summary });
          lastAP = { AP: e.summary.AP, AP50: e.summary.AP50 };
          finalEvalStep = e.summary.step;
          lastEvalDetections = pendingDetections;
          pendingDetections = [];
          this.ctx.events.emit('train.eval', { runId, summary: e.summary });
        } else if (e.type === 'detections') {
          pendingDetections.push(...e.detections);
        } else if (e.type === 'compute') {
          compute = e.compute;
          repo.setRunState(runId, 'running', { backend: compute.backend });
          repo.setRunSummary(runId, summary());
        } else if (e.type === 'skipped') {
          if (!skipped.some((s) => s.imageId === e.image.imageId)) skipped.push(e.image);
          repo.setRunSummary(runId, summary());
          this.ctx.events.emit('train.skipped', {
            runId,
            file: path.basename(e.image.path),
            reason: e.image.reason,
          });
        }
      },
    );
    this.#active = { runId, job, session };
    repo.setRunState(runId, 'running', { backend: host.lastCompute?.backend ?? null });
    emitState('running');

    void job.done
      .then(({ cancelled, result }) => {
        if (session.closed) return;
        if (result) {
          lastStep = { step: result.steps, elapsedSec: result.elapsedSec, imagesPerSec: result.imagesPerSec };
          totalSteps = result.totalSteps;
          profile = result.profile;
        }
        repo.setRunSummary(runId, summary());
        if (cancelled || !result?.modelDir) {
          repo.setRunState(runId, 'cancelled');
          emitState('cancelled', 'Stopped after a checkpoint: resume continues from there.');
          return;
        }
        const modelId = repo.createModel({
          runId,
          path: path.relative(session.dataDir, result.modelDir),
          metrics: lastAP,
          name: modelName(runId, config),
        });
        // The last validation's detections become the model's predictions on the val images, so
        // Review can show them at once.
        if (finalEvalStep === lastStep.step) {
          const unread = new Set(skipped.map((s) => s.imageId));
          const valIds = snapshot.val.map((im) => im.id).filter((id) => !unread.has(id));
          savePredictionBatch(session, modelId, snapshot.classes, valIds, lastEvalDetections);
        }
        repo.setRunState(runId, 'done');
        emitState('done');
      })
      .catch((e: unknown) => {
        if (session.closed) return;
        const message = e instanceof Error ? e.message : String(e);
        repo.setRunSummary(runId, summary());
        repo.setRunState(runId, 'failed', { error: message });
        emitState('failed', message);
      })
      .finally(() => {
        if (this.#active?.runId === runId) this.#active = null;
      });
  }
}

export function trainingHandlers(
  ctx: ServiceContext,
  service: TrainingService,
): Pick<
  Handlers,
  'train.plan' | 'train.start' | 'train.cancel' | 'train.resume' | 'runs.list' | 'runs.metrics'
> {
  return {
    'train.plan': ({ overrides }) => service.plan(overrides),
    'train.start': ({ overrides }) => service.start(overrides),
    'train.cancel': ({ runId }) => service.cancel(runId),
    'train.resume': ({ runId }) => service.resume(runId),
    'runs.list': () => ctx.project().store.training.runs().map(toRunInfo),
    'runs.metrics': ({ runId }) => {
      const entries = ctx.project().store.training.metrics(runId);
      return {
        steps: entries.flatMap((e) => (e.type === 'step' ? [e.metrics] : [])),
        evals: entries.flatMap((e) => (e.type === 'eval' ? [e.summary] : [])),
      };
    },
  };
}
