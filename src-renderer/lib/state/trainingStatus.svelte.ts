import type { RunInfo, StepMetrics } from '../../../src-main/shared/api/training';
import type { ApiClient } from '../api';

/**
 * The run training now, for every view (the status bar) and for the Train view: which run, its latest
 * step, and whether a cancel is on its way. Kept from `train.*` events for as long as the app is open,
 * and looked up again when a project opens (a reload finds a run already training).
 */
export class TrainingStatus {
  /** The run in the trainer (queued or running), or null. */
  run = $state.raw<RunInfo | null>(null);
  /** Each run's latest step as it streams (the runs table shows them before the run's summary exists). */
  latest = $state.raw<ReadonlyMap<number, StepMetrics>>(new Map());
  /** The run asked to stop: it stops after its next checkpoint. */
  stopping = $state<number | null>(null);
  #seq = 0;

  constructor(private readonly api: ApiClient) {
    api.on('train.step', ({ runId, metrics }) => {
      this.latest = new Map(this.latest).set(runId, metrics);
      if (this.run?.id !== runId) void this.refresh();
    });
    api.on('train.state', ({ runId, state }) => {
      if (state !== 'running' && state !== 'queued' && this.stopping === runId) this.stopping = null;
      void this.refresh();
    });
  }

  /** The run's latest step (streamed, or null until one arrives). */
  stepOf(runId: number): StepMetrics | null {
    return this.latest.get(runId) ?? null;
  }

  /** Looks up the run training now (a project opened, a run started or ended). */
  async refresh(): Promise<void> {
    const seq = ++this.#seq;
    const runs = await this.api.call('runs.list').catch(() => null);
    if (!runs || seq !== this.#seq) return;
    this.setRuns(runs);
  }

  /** The same, from a list of runs already fetched. */
  setRuns(runs: readonly RunInfo[]): void {
    this.run = runs.find((r) => r.state === 'running' || r.state === 'queued') ?? null;
    if (this.run && !this.latest.has(this.run.id)) void this.#loadLatest(this.run.id);
  }

  /** Asks the run to stop; it does after its next checkpoint, which may take a while. */
  async cancel(runId: number): Promise<void> {
    this.stopping = runId;
    try {
      await this.api.call('train.cancel', { runId });
    } catch (e) {
      this.stopping = null;
      throw e;
    }
  }

  clear(): void {
    this.#seq++;
    this.run = null;
    this.stopping = null;
    this.latest = new Map();
  }

  /** A run found already training has streamed steps before this page was open: its last one. */
  async #loadLatest(runId: number): Promise<void> {
    const m = await this.api.call('runs.metrics', { runId }).catch(() => null);
    const last = m?.steps.at(-1);
    if (last && !this.latest.has(runId)) this.latest = new Map(this.latest).set(runId, last);
  }
}
