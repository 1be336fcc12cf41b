import type {
  EvalSummary,
  RunInfo,
  StepMetrics,
  TrainConfig,
  TrainPlan,
} from '../../../src-main/shared/api/training';
import type { AppState } from './app.svelte';

/** Samples kept per run for the live charts; older points are thinned (every other one dropped). */
const MAX_POINTS = 4000;

/**
 * The Train view's state: the one-click plan, the run history, and the live metrics of the run being
 * watched (streamed as `train.*` events, loaded from the database for finished runs).
 */
export class TrainState {
  plan = $state.raw<TrainPlan | null>(null);
  runs = $state.raw<RunInfo[]>([]);
  /** The run whose charts are shown. */
  watchedRunId = $state<number | null>(null);
  steps = $state.raw<StepMetrics[]>([]);
  evals = $state.raw<EvalSummary[]>([]);
  overrides = $state<Partial<TrainConfig>>({});
  busy = $state(false);
  #unsubscribe: Array<() => void> = [];
  #planSeq = 0;

  constructor(private readonly app: AppState) {}

  /** The run training now (found in the run list, or by the app when the page opened mid-run). */
  get activeRun(): RunInfo | undefined {
    return (
      this.runs.find((r) => r.state === 'running' || r.state === 'queued') ??
      this.app.training.run ??
      undefined
    );
  }

  /** Whether the active run was asked to stop: it stops after its next checkpoint. */
  get stopping(): boolean {
    const run = this.activeRun;
    return run !== undefined && this.app.training.stopping === run.id;
  }

  /** A run's latest step while it trains (its summary, with steps and time, is written when it stops). */
  liveStep(runId: number): StepMetrics | null {
    return this.app.training.stepOf(runId);
  }

  get watched(): RunInfo | undefined {
    return this.runs.find((r) => r.id === this.watchedRunId);
  }

  connect(): () => void {
    const api = this.app.api;
    this.#unsubscribe = [
      api.on('train.step', ({ runId, metrics }) => {
        if (runId !== this.watchedRunId) return;
        let next = [...this.steps, metrics];
        if (next.length > MAX_POINTS) next = next.filter((_, i) => i % 2 === 0 || i === next.length - 1);
        this.steps = next;
      }),
      api.on('train.eval', ({ runId, summary }) => {
        if (runId === this.watchedRunId) this.evals = [...this.evals, summary];
      }),
      api.on('train.state', () => void this.refreshRuns()),
      // A run that skips an image says so at once (the run's record lists them).
      api.on('train.skipped', () => void this.refreshRuns()),
    ];
    return () => this.#unsubscribe.forEach((u) => u());
  }

  async load(): Promise<void> {
    await Promise.all([this.refreshPlan(), this.refreshRuns()]);
    const first = this.activeRun ?? this.runs[0];
    if (first && this.watchedRunId === null) await this.watch(first.id);
  }

  async refreshPlan(): Promise<void> {
    const seq = ++this.#planSeq;
    const plan = await this.app.attempt(() =>
      this.app.api.call('train.plan', { overrides: $state.snapshot(this.overrides) }),
    );
    // Typing asks for a plan per pause: only the answer to the latest question is shown.
    if (plan && seq === this.#planSeq) this.plan = plan;
  }

  async refreshRuns(): Promise<void> {
    const runs = await this.app.attempt(() => this.app.api.call('runs.list'));
    if (!runs) return;
    this.runs = runs;
    this.app.training.setRuns(runs);
  }

  async watch(runId: number): Promise<void> {
    this.watchedRunId = runId;
    const m = await this.app.attempt(() => this.app.api.call('runs.metrics', { runId }));
    if (m && this.watchedRunId === runId) {
      this.steps = m.steps;
      this.evals = m.evals;
    }
  }

  async start(): Promise<void> {
    this.busy = true;
    try {
      const run = await this.app.attempt(() =>
        this.app.api.call('train.start', { overrides: $state.snapshot(this.overrides) }),
      );
      if (run) {
        this.steps = [];
        this.evals = [];
        this.watchedRunId = run.id;
        await this.refreshRuns();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Asks the run to stop; it does after its next checkpoint (the button says so meanwhile). */
  async cancel(runId: number): Promise<void> {
    await this.app.attempt(() => this.app.training.cancel(runId));
  }

  async resume(runId: number): Promise<void> {
    const run = await this.app.attempt(() => this.app.api.call('train.resume', { runId }));
    if (run) {
      await this.watch(run.id);
      await this.refreshRuns();
    }
  }
}
