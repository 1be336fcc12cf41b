// Entry of the trainer process: it owns TensorFlow.js. It picks the compute backend once, says so,
// then runs one job at a time from the main side and streams its progress back. It never touches
// the project database: the main process is its only writer.
import { selectCompute } from '../compute/activate';
import { evaluateJob, inspectJob, predictJob, readSnapshot, type JobIo } from './jobs';
import { errorText } from './outOfMemory';
import { ToTrainer, type FromTrainer, type JobSpec } from './protocol';
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

const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

async function runJob(job: JobSpec): Promise<unknown> {
  const io: JobIo = {
    progress: (done, total, label) => send({ type: 'progress', jobId: job.jobId, done, total, label }),
    detections: (detections) => send({ type: 'detections', jobId: job.jobId, detections }),
    cancelled: () => cancelled.has(job.jobId),
  };
  switch (job.kind) {
    case 'train':
      return train(job.config, readSnapshot(job.snapshotPath), job.runDir, job.resume, {
        step: (metrics) => send({ type: 'step', jobId: job.jobId, metrics }),
        evaluated: (summary) => send({ type: 'eval', jobId: job.jobId, summary }),
        checkpointed: (step, dir) => send({ type: 'checkpoint', jobId: job.jobId, step, dir }),
        detections: io.detections,
        cancelled: io.cancelled,
      });
    case 'predict':
      return predictJob(job, io);
    case 'evaluate':
      return evaluateJob(job, io);
    case 'inspect':
      return inspectJob(job);
  }
}

// Forked by the CLI or serve mode: a parent killed without a word (SIGKILL, a crash) closes the IPC
// channel, and nobody is left to read our results: stop rather than train on as an orphan. A
// checkpoint half written is ignored on resume (its manifest is written last).
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal signals the whole process group; the parent decides what it means (cancel
// after a checkpoint), so this process must not die of it first.
if (parentPort || process.send) process.on('SIGINT', () => {});

async function main(): Promise<void> {
  const compute = await selectCompute();
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
    if (msg.type === 'shutdown') process.exit(0);
    if (msg.type === 'cancel') {
      cancelled.add(msg.jobId);
      return;
    }
    const job = msg.job;
    queue = queue.then(async () => {
      try {
        const result = await runJob(job);
        const wasCancelled =
          cancelled.has(job.jobId) || (result as { cancelled?: boolean } | null)?.cancelled === true;
        send({ type: 'done', jobId: job.jobId, cancelled: wasCancelled, result });
      } catch (e) {
        // With its class name (RangeError, WebAssembly's RuntimeError): the host tells an out-of-memory by it.
        send({ type: 'failed', jobId: job.jobId, message: errorText(e) });
      } finally {
        cancelled.delete(job.jobId);
      }
    });
  });
  send({ type: 'ready', compute });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `trainer failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
