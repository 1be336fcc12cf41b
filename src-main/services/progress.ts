import type { TaskProgress } from '../shared/api/events';
import type { EventHub } from './events';

let nextTask = 0;

/**
 * 'task.progress' events for one long operation. Updates are throttled (a 20,000-image import would
 * otherwise send 20,000 events); the first and the final state always go out.
 */
export class ProgressReporter {
  readonly taskId: string;
  readonly #events: EventHub;
  readonly #kind: string;
  readonly #label: string;
  readonly #intervalMs: number;
  #total: number | null;
  #done = 0;
  #lastSent = -Infinity;

  constructor(events: EventHub, kind: string, label: string, total: number | null = null, intervalMs = 100) {
    this.taskId = `${kind}-${++nextTask}`;
    this.#events = events;
    this.#kind = kind;
    this.#label = label;
    this.#total = total;
    this.#intervalMs = intervalMs;
    this.#send('running');
  }

  update(done: number, total: number | null = this.#total, message?: string): void {
    this.#done = done;
    this.#total = total;
    const now = performance.now();
    if (now - this.#lastSent >= this.#intervalMs) this.#send('running', message);
  }

  done(message?: string): void {
    if (this.#total !== null) this.#done = this.#total;
    this.#send('done', message);
  }

  failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#send((error as { code?: string }).code === 'cancelled' ? 'cancelled' : 'failed', message);
  }

  #send(state: TaskProgress['state'], message?: string): void {
    this.#lastSent = performance.now();
    this.#events.emit('task.progress', {
      taskId: this.taskId,
      kind: this.#kind,
      label: this.#label,
      done: this.#done,
      total: this.#total,
      state,
      ...(message === undefined ? {} : { message }),
    });
  }
}

/** Runs `work` under a reporter that ends in 'done' or 'failed' whatever happens. */
export async function withProgress<T>(
  events: EventHub,
  kind: string,
  label: string,
  work: (p: ProgressReporter) => Promise<T>,
): Promise<T> {
  const p = new ProgressReporter(events, kind, label);
  try {
    const result = await work(p);
    p.done();
    return result;
  } catch (e) {
    p.failed(e);
    throw e;
  }
}
