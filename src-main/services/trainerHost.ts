import type { ComputeReport } from '../shared/api/system';
import { JobHost, type SpawnTrainer } from '../training/jobHost';

/** The one trainer process of the app, started on first use and shared by every job. */
export class TrainerHost {
  readonly #spawn: SpawnTrainer | undefined;
  #host: JobHost | null = null;

  /** `workers`: the user's setting for compute workers (null: one per physical core). */
  constructor(
    spawn: SpawnTrainer | undefined,
    readonly workers: () => number | null = () => null,
  ) {
    this.#spawn = spawn;
  }

  get available(): boolean {
    return this.#spawn !== undefined;
  }

  host(): JobHost {
    if (!this.#spawn) throw new Error('This DW Studio build has no trainer process');
    this.#host ??= new JobHost(this.#spawn, (level, message) =>
      console[level === 'warn' ? 'warn' : 'log'](`trainer: ${message}`),
    );
    return this.#host;
  }

  /** The trainer's own report once it has started (what it really uses), else null. */
  get lastCompute(): ComputeReport | null {
    return this.#host?.lastCompute ?? null;
  }

  async dispose(): Promise<void> {
    await this.#host?.dispose();
    this.#host = null;
  }
}
