// The main side of the trainer process: starts it on demand, sends it one job at a time, relays its
// messages, and turns a crash or an out-of-memory into a failed job with a reason, so the app and
// the database carry on. The process itself comes from a `SpawnTrainer` (child_process.fork in serve
// and CLI modes, Electron's utilityProcess on the desktop), so this logic is the same everywhere.
import type { ComputeReport } from '../shared/api/system';
import { AppError } from '../shared/errors';
import { isOutOfMemory, outOfMemoryReason } from './outOfMemory';
import {
  FromTrainer,
  type JobKind,
  type JobOf,
  type JobResult,
  type JobSpec,
  type ToTrainer,
} from './protocol';

export interface TrainerProcess {
  send(msg: ToTrainer): void;
  onMessage(listener: (msg: unknown) => void): void;
  onExit(listener: (exit: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
  /** The last lines the process wrote to stderr (for the crash report). */
  stderrTail(): string;
}

export type SpawnTrainer = () => TrainerProcess;

export type JobEvent = Exclude<FromTrainer, { type: 'ready' } | { type: 'done' } | { type: 'failed' }>;

export interface JobOutcome<K extends JobKind = JobKind> {
  cancelled: boolean;
  /** Null when the job was stopped before it could answer (a cancel that had to kill the process). */
  result: JobResult<K> | null;
}

export interface JobHandle<K extends JobKind = JobKind> {
  readonly jobId: string;
  readonly done: Promise<JobOutcome<K>>;
  cancel(): void;
}

interface Running {
  job: JobSpec;
  /** The process the job was sent to, once it was. */
  proc?: TrainerProcess;
  onEvent: (e: JobEvent) => void;
  resolve: (o: JobOutcome<JobKind>) => void;
  reject: (e: Error) => void;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

/** Seconds a cancelled job gets to checkpoint and stop before the process is killed. */
const CANCEL_GRACE_MS = 30_000;

export class JobHost {
  readonly #spawn: SpawnTrainer;
  #proc: TrainerProcess | null = null;
  #ready: Promise<ComputeReport> | null = null;
  #running: Running | null = null;
  #lastCompute: ComputeReport | null = null;
  readonly #onLog: (level: string, message: string) => void;

  constructor(spawn: SpawnTrainer, onLog: (level: string, message: string) => void = () => {}) {
    this.#spawn = spawn;
    this.#onLog = onLog;
  }

  /** The compute report of the trainer process (starting it if needed). */
  compute(): Promise<ComputeReport> {
    return this.#start();
  }

  get lastCompute(): ComputeReport | null {
    return this.#lastCompute;
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  run<K extends JobKind>(job: JobOf<K>, onEvent: (e: JobEvent) => void): JobHandle<K> {
    if (this.#running) {
      throw new AppError(
        'conflict',
        'Another job is running in the trainer; cancel it or wait for it to finish.',
      );
    }
    let resolve!: (o: JobOutcome<K>) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<JobOutcome<K>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const running: Running = {
      job,
      onEvent,
      resolve: resolve as (o: JobOutcome<JobKind>) => void,
      reject,
    };
    this.#running = running;
    this.#start()
      .then(() => {
        if (this.#running !== running) return;
        running.proc = this.#proc!;
        running.proc.send({ type: 'run', job });
      })
      .catch((e: unknown) => this.#finish(running, e instanceof Error ? e : new Error(String(e))));
    return {
      jobId: job.jobId,
      done,
      cancel: () => {
        if (this.#running !== running || running.cancelTimer) return;
        this.#proc?.send({ type: 'cancel', jobId: job.jobId });
        // A job stuck in a long native call cannot hear the cancel: stop the process after a grace period.
        running.cancelTimer = setTimeout(() => {
          if (this.#running === running) {
            if (running.proc) this.#discard(running.proc);
            this.#finish(running, null, { cancelled: true, result: null });
          }
        }, CANCEL_GRACE_MS);
      },
    };
  }

  async dispose(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    try {
      proc.send({ type: 'shutdown' });
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        proc.kill();
        resolve();
      }, 3000);
      proc.onExit(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  #start(): Promise<ComputeReport> {
    if (this.#ready) return this.#ready;
    const proc = this.#spawn();
    this.#proc = proc;
    this.#ready = new Promise<ComputeReport>((resolve, reject) => {
      proc.onMessage((raw) => {
        const parsed = FromTrainer.safeParse(raw);
        if (!parsed.success) {
          const detail = parsed.error.issues[0];
          const where = detail ? `${detail.path.join('.')}: ${detail.message}` : parsed.error.message;
          this.#onLog('warn', `trainer sent an unexpected message (${where.slice(0, 300)})`);
          // A result that does not match its job's schema ends the job, rather than leaving it waiting.
          const end = raw as { type?: unknown; jobId?: unknown } | null;
          const running = this.#running;
          if (running && end?.jobId === running.job.jobId && (end.type === 'done' || end.type === 'failed'))
            this.#finish(
              running,
              new Error(`The trainer's answer to the ${running.job.kind} job was malformed (${where}).`),
            );
          return;
        }
        const msg = parsed.data;
        if (msg.type === 'ready') {
          this.#lastCompute = msg.compute;
          resolve(msg.compute);
        } else if (msg.type === 'log') {
          this.#onLog(msg.level, msg.message);
        } else if (this.#running && 'jobId' in msg && msg.jobId === this.#running.job.jobId) {
          const running = this.#running;
          if (msg.type === 'done') {
            const { kind, ...result } = msg.result;
            if (kind !== running.job.kind)
              this.#finish(
                running,
                new Error(`The trainer's answer to the ${running.job.kind} job was a ${kind} result.`),
              );
            else
              this.#finish(running, null, { cancelled: msg.cancelled, result: result as JobResult<JobKind> });
          } else if (msg.type === 'failed' && isOutOfMemory(msg.message)) {
            this.#finish(running, new Error(outOfMemoryReason(this.#lastCompute, running.job, msg.message)));
            // What an out-of-memory leaves behind is not to be trusted (WebAssembly's heap never shrinks,
            // and after a failed allocation a kernel may have written over address 0): the next job
            // gets a fresh process.
            this.#discard(proc);
          } else if (msg.type === 'failed') {
            this.#finish(running, new Error(msg.message));
          } else {
            running.onEvent(msg);
          }
        }
      });
      proc.onExit(({ code, signal }) => {
        const running = this.#running?.proc === proc ? this.#running : null;
        // The job it died on: the one sent to it, or the one waiting for it to start.
        const job = running?.job ?? (this.#proc === proc && !this.#running?.proc ? this.#running?.job : null);
        const reason = crashReason(code, signal, proc.stderrTail(), {
          compute: this.#lastCompute,
          job: job ?? null,
        });
        // A process already discarded (after an out-of-memory, a cancel that timed out) has been
        // replaced, or will be on the next job: its exit concerns nobody.
        if (this.#proc === proc) {
          this.#proc = null;
          this.#ready = null;
        }
        reject(new Error(reason));
        if (running) this.#finish(running, new Error(reason));
      });
    });
    // Nobody may be waiting on a failed start (e.g. a crash between jobs); keep it from going unhandled.
    this.#ready.catch(() => {});
    return this.#ready;
  }

  /** Stops a process and forgets it at once, so that the next job starts a fresh one. */
  #discard(proc: TrainerProcess): void {
    if (this.#proc === proc) {
      this.#proc = null;
      this.#ready = null;
    }
    proc.kill();
  }

  #finish(running: Running, error: Error | null, outcome?: JobOutcome<JobKind>): void {
    if (this.#running !== running) return;
    this.#running = null;
    clearTimeout(running.cancelTimer);
    if (error) running.reject(error);
    else running.resolve(outcome!);
  }
}

/** A plain-words reason for a trainer that died, from its exit and the end of its stderr. */
export function crashReason(
  code: number | null,
  signal: string | null,
  stderr: string,
  context: { compute?: ComputeReport | null; job?: JobSpec | null } = {},
): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const oomLine = lines.findLast((line) => isOutOfMemory(line));
  if (oomLine !== undefined) return outOfMemoryReason(context.compute ?? null, context.job ?? null, oomLine);
  if (signal === 'SIGKILL') {
    // Without a word on stderr: another program, or the system's out-of-memory killer.
    return (
      'The trainer process was killed (SIGKILL): by another program, or by the system when memory ran out' +
      (context.job?.kind === 'train'
        ? ', in which case a smaller input size, batch size or network preset helps.'
        : '.')
    );
  }
  const lastLine = lines.pop();
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  return `The trainer stopped unexpectedly (${how})${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}.`;
}
