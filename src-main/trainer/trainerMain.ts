// Entry of the trainer process. It picks the compute backend once and says so, then runs one job at a
// time from the main side and streams its progress back. The WebAssembly and JavaScript backends run
// one thread each, so their jobs are split over compute workers, one per core (`WorkerReplicas`); the
// TensorFlow backends thread themselves and run here (`LocalReplicas`). It never touches the project
// database: the main process is its only writer.
import path from 'node:path';
import { activateCompute } from '../compute/activate';
import { chooseCompute } from '../compute/probeCompute';
import { trainingWorkers, usesWorkers, type ComputeReport } from '../shared/api/system';
import { errorText } from '../training/outOfMemory';
import {
  COMPUTE_FROM_HOST_ENV,
  ToTrainer,
  type FromTrainer,
  type JobSpec,
  type TaggedResult,
} from '../training/protocol';
import type { ComputeChoice } from '../compute/backendChain';
import { evaluateJob, inspectJob, predictJob, readSnapshot, type JobIo } from './jobs';
import { tryWebGpu, trainerCacheDir, type GpuRoute, type GpuRouteOptions } from './gpuCompute';
import { LocalReplicas, WorkerReplicas, type Replicas } from './replicas';
import { train } from './trainLoop';

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

// Electron's utilityProcess has `process.parentPort`; child_process.fork has `process.send`.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(msg: FromTrainer): void {
  if (parentPort) parentPort.postMessage(msg);
  else process.send?.(msg);
}

function onMessage(listener: (msg: unknown) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data));
  else process.on('message', listener);
}

/** The compute worker script, bundled beside this one. */
const WORKER_ENTRY = path.join(__dirname, 'trainerWorker.cjs');
/** The GPU page's script, and the app folder (dist/main/.. /..). */
const GPU_SCRIPT = path.join(__dirname, '..', 'gpu', 'gpuTrainer.js');
const APP_ROOT = path.resolve(__dirname, '..', '..');
/** How long closing may take before this process ends anyway (the host waits 3 s, then kills it). */
const CLOSE_DEADLINE_MS = 2500;

/**
 * Test hook: `DW_STUDIO_TEST_KILL_WORKER=<rank>@<step>` ends compute worker <rank> (0-based) without
 * a word just before training step <step>, as a crash would.
 */
function workerKillHook(): ((step: number, replicas: Replicas) => void) | undefined {
  const m = /^(\d+)@(\d+)$/.exec(process.env.DW_STUDIO_TEST_KILL_WORKER ?? '');
  if (!m) return undefined;
  const [rank, at] = [Number(m[1]), Number(m[2])];
  return (step, replicas) => {
    if (step === at && replicas instanceof WorkerReplicas) replicas.terminateForTest(rank);
  };
}

class Engine {
  #replicas: Replicas | null = null;
  #compute: ComputeReport;
  /** How to open the GPU page again (after a crash), when the run is on WebGPU. */
  readonly #gpu: GpuRouteOptions | null;

  constructor(compute: ComputeReport, gpu: GpuRoute | null, gpuOptions: GpuRouteOptions | null) {
    this.#compute = compute;
    this.#replicas = gpu?.replicas ?? null;
    this.#gpu = gpu ? gpuOptions : null;
  }

  /** Workers a job gets unless it says otherwise. */
  get threads(): number {
    return this.#compute.threads;
  }

  /** Replicas for a job that asks for `workers` (null: the default for this compute). */
  async replicas(workers: number | null): Promise<Replicas> {
    const current = this.#replicas;
    const wanted = usesWorkers(this.#compute.backend) ? (workers ?? this.#compute.threads) : 1;
    if (current && !current.broken && current.size === wanted) return current;
    this.#replicas = null;
    await current?.dispose();
    if (this.#compute.backend === 'webgpu' && this.#gpu) {
      // The page crashed or its GPU was lost on an earlier job: a fresh browser (checked already).
      const again = await tryWebGpu(this.#compute, this.#gpu);
      if (!again.route) throw new Error(`The GPU is not usable any more: ${again.skip.reason}.`);
      this.#replicas = again.route.replicas;
      return this.#replicas;
    }
    this.#replicas = usesWorkers(this.#compute.backend)
      ? await WorkerReplicas.start(WORKER_ENTRY, wanted, this.#compute)
      : new LocalReplicas(this.#compute);
    return this.#replicas;
  }

  /** Closes the compute: the GPU page's browser and its profile above all, the workers too. */
  async close(): Promise<void> {
    const current = this.#replicas;
    this.#replicas = null;
    await current?.dispose();
  }
}

const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

async function runJob(engine: Engine, job: JobSpec): Promise<TaggedResult> {
  const io: JobIo = {
    progress: (done, total, label) => send({ type: 'progress', jobId: job.jobId, done, total, label }),
    detections: (detections) => send({ type: 'detections', jobId: job.jobId, detections }),
    skipped: (image) => send({ type: 'skipped', jobId: job.jobId, image }),
    cancelled: () => cancelled.has(job.jobId),
  };
  const workers =
    job.kind === 'train'
      ? trainingWorkers(engine.threads, job.config.workers, job.config.batchSize)
      : job.kind === 'inspect'
        ? null
        : job.workers;
  const replicas = await engine.replicas(workers);
  send({ type: 'compute', jobId: job.jobId, compute: replicas.compute });
  switch (job.kind) {
    case 'train': {
      const kill = workerKillHook();
      const result = await train(
        job.config,
        readSnapshot(job.snapshotPath),
        job.runDir,
        job.resume,
        replicas,
        {
          step: (metrics) => send({ type: 'step', jobId: job.jobId, metrics }),
          evaluated: (summary) => send({ type: 'eval', jobId: job.jobId, summary }),
          checkpointed: (step, dir) => send({ type: 'checkpoint', jobId: job.jobId, step, dir }),
          detections: io.detections,
          skipped: io.skipped,
          cancelled: io.cancelled,
          beforeStep: kill && ((step) => kill(step, replicas)),
        },
        job.weightsFile,
      );
      return { kind: 'train', ...result };
    }
    case 'predict':
      return { kind: 'predict', ...(await predictJob(job, replicas, io)) };
    case 'evaluate':
      return { kind: 'evaluate', ...(await evaluateJob(job, replicas, io)) };
    case 'inspect':
      return { kind: 'inspect', ...(await inspectJob(job, replicas)) };
  }
}

/** Set once the backend is up: jobs run on it. */
let ready: Engine | null = null;
let closing = false;

/**
 * Ends this process after closing its compute (the browser of the GPU page must not outlive it),
 * within CLOSE_DEADLINE_MS: the host stops waiting soon after. A browser left behind by a harder
 * end still goes, by its lifeline (see compute/browser.ts).
 */
function closeAndExit(code: number): void {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(code), CLOSE_DEADLINE_MS);
  void (ready?.close() ?? Promise.resolve()).catch(() => {}).then(() => process.exit(code));
}

// Forked by the CLI or serve mode: a parent killed without a word (SIGKILL, a crash) closes the IPC
// channel, and nobody is left to read our results: stop rather than train on as an orphan. A
// checkpoint half written is ignored on resume (its manifest is written last).
process.on('disconnect', () => closeAndExit(0));
// Ctrl-C in a terminal signals the whole process group; the parent decides what it means (cancel
// after a checkpoint), so this process must not die of it first.
if (parentPort || process.send) process.on('SIGINT', () => {});

/** The compute choice the host sends, when it probes for us (COMPUTE_FROM_HOST_ENV). */
let fromHost: ((choice: ComputeChoice) => void) | null = null;
async function main(): Promise<void> {
  const choice =
    process.env[COMPUTE_FROM_HOST_ENV] === '1'
      ? await new Promise<ComputeChoice>((resolve) => (fromHost = resolve))
      : await chooseCompute();
  // WebGPU comes after a CUDA GPU and before the CPU backends.
  const gpuOptions: GpuRouteOptions = {
    script: GPU_SCRIPT,
    appRoot: APP_ROOT,
    cacheDir: trainerCacheDir(),
  };
  let gpu: GpuRoute | null = null;
  let report = choice.report;
  if (report.backend !== 'tensorflow-gpu') {
    const tried = await tryWebGpu(report, gpuOptions);
    if (tried.route) gpu = tried.route;
    else {
      // Listed after tfjs-node-gpu's reason, before the CPU backends'.
      const at = report.skipped.findIndex((s) => s.backend !== 'tensorflow-gpu');
      const skipped = [...report.skipped];
      skipped.splice(at < 0 ? skipped.length : at, 0, tried.skip);
      report = { ...report, skipped, ...(tried.adapter ? { adapter: tried.adapter } : {}) };
    }
  }
  // The TensorFlow backends load here; the worker backends load in each worker.
  const compute = gpu
    ? gpu.report
    : usesWorkers(report.backend)
      ? report
      : await activateCompute({ report, modulePath: choice.modulePath });
  const engine = new Engine(compute, gpu, gpuOptions);
  ready = engine;
  send({ type: 'ready', compute });
}

onMessage((raw) => {
  const parsed = ToTrainer.safeParse(raw);
  if (!parsed.success) {
    send({
      type: 'log',
      level: 'warn',
      message: `unexpected message: ${parsed.error.message.slice(0, 200)}`,
    });
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'shutdown') {
    closeAndExit(0);
    return;
  }
  if (msg.type === 'compute') {
    fromHost?.({ report: msg.report, modulePath: msg.modulePath });
    fromHost = null;
    return;
  }
  if (msg.type === 'cancel') {
    cancelled.add(msg.jobId);
    return;
  }
  const job = msg.job;
  const engine = ready;
  if (!engine) {
    send({ type: 'failed', jobId: job.jobId, message: 'The trainer received a job before it was ready.' });
    return;
  }
  queue = queue.then(async () => {
    try {
      const result = await runJob(engine, job);
      const wasCancelled = cancelled.has(job.jobId) || (result.kind === 'train' && result.cancelled);
      send({ type: 'done', jobId: job.jobId, cancelled: wasCancelled, result });
    } catch (e) {
      // With its class name (RangeError, WebAssembly's RuntimeError): the host tells an out-of-memory by it.
      send({ type: 'failed', jobId: job.jobId, message: errorText(e) });
    } finally {
      cancelled.delete(job.jobId);
    }
  });
});

main().catch((e: unknown) => {
  process.stderr.write(
    `trainer failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
