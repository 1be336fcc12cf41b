// The training progress: a bar on a terminal (cli-progress), and in a log or a pipe a plain line
// every few seconds, so a run under nohup or CI shows how far it got without control characters.
import cliProgress from 'cli-progress';
import type { StepMetrics } from '../shared/api/training';

/** How often the line is written when stderr is not a terminal. */
const LOG_EVERY_MS = 10_000;

export interface TrainBudget {
  /** Exact step budget (--steps, or epochs turned into steps by the trainer), else null. */
  steps: number | null;
  /** Time budget in seconds when there is no step budget. */
  seconds: number | null;
}

export class TrainProgress {
  readonly #stream = process.stderr;
  #bar: cliProgress.SingleBar | null = null;
  /** Without a terminal: the last line, and when one was last written. */
  #line = '';
  #written = '';
  #writtenAt = 0;

  /** What the run trains on ("CPU, 2 threads (WebAssembly SIMD)"), shown beside its speed. */
  device: string | null = null;

  constructor(private readonly label: string) {}

  update(m: StepMetrics, budget: TrainBudget): void {
    const bySteps = m.totalSteps !== null || budget.seconds === null;
    const total = m.totalSteps ?? (bySteps ? (budget.steps ?? m.step) : Math.round(budget.seconds!));
    const value = bySteps ? m.step : Math.min(total, Math.round(m.elapsedSec));
    const payload = {
      label: this.label,
      progress: bySteps
        ? `step ${m.step}/${total}`
        : `${formatDuration(m.elapsedSec)}/${formatDuration(total)} (step ${m.step})`,
      etaText: m.etaSec === null ? '…' : formatDuration(m.etaSec),
      speed: `${m.imagesPerSec.toFixed(1)} img/s${this.device ? ` on ${this.device}` : ''}`,
      losses: formatLosses(m.losses) + (m.gpuMemoryMb === undefined ? '' : ` | GPU ${m.gpuMemoryMb} MB`),
    };
    if (!this.#stream.isTTY) {
      this.#line = `${payload.label} ${payload.progress} | ETA ${payload.etaText} | ${payload.speed} | ${payload.losses}`;
      if (this.#writtenAt === 0 || Date.now() - this.#writtenAt >= LOG_EVERY_MS) this.#flush();
    } else if (!this.#bar) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream,
          format: '{label} [{bar}] {progress} | ETA {etaText} | {speed} | {losses}',
          barsize: 24,
          hideCursor: true,
          // Losses change every step: redraw 4 times a second, also after a line was logged above.
          fps: 4,
          forceRedraw: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(total, value, payload);
    } else {
      this.#bar.setTotal(total);
      this.#bar.update(value, payload);
    }
  }

  /** Writes a line above the bar, which redraws below it. */
  log(line: string): void {
    const tty = this.#bar !== null;
    if (tty) this.#stream.write('\r\x1b[2K');
    console.log(line);
    // The bar restores the cursor it saved at start when it stops: save it again on its new line.
    if (tty) this.#stream.write('\x1b7');
  }

  /** Ends the bar, or writes the last state if the log has not seen it. */
  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
    this.#flush();
  }

  #flush(): void {
    if (this.#line === this.#written) return;
    this.#stream.write(`${this.#line}\n`);
    this.#written = this.#line;
    this.#writtenAt = Date.now();
  }
}

/** "clsPos 0.512 · loc 0.731 · total 1.243": the loss terms, total last. */
export function formatLosses(losses: Record<string, number>): string {
  const names = Object.keys(losses).filter((k) => k !== 'total');
  if ('total' in losses) names.push('total');
  return names.map((k) => `${k} ${formatLoss(losses[k]!)}`).join(' · ');
}

function formatLoss(v: number): string {
  return Math.abs(v) >= 100
    ? v.toFixed(0)
    : Math.abs(v) >= 0.01 || v === 0
      ? v.toFixed(3)
      : v.toExponential(1);
}

/** 75 → "1m15s", 3725 → "1h02m", 9 → "9s". */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
