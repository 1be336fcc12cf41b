// The training progress line: the step or time against the budget, the ETA, the speed and the
// losses, as a bar on a terminal and a plain line in a log (TerminalProgress).
import type { StepMetrics } from '../shared/api/training';
import { TerminalProgress } from './terminalProgress';

export interface TrainBudget {
  /** Exact step budget (--steps, or epochs turned into steps by the trainer), else null. */
  steps: number | null;
  /** Time budget in seconds when there is no step budget. */
  seconds: number | null;
}

export class TrainProgress {
  readonly #out = new TerminalProgress({
    format: '{label} [{bar}] {progress} | ETA {etaText} | {speed} | {losses}',
    lineEveryMs: 10_000,
    lineAtStart: true,
    // Losses change every step: redraw 4 times a second, also after a line was logged above.
    forceRedraw: true,
  });

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
    const line = `${payload.label} ${payload.progress} | ETA ${payload.etaText} | ${payload.speed} | ${payload.losses}`;
    this.#out.update(value, total, payload, line);
  }

  /** Writes a line above the bar, which redraws below it. */
  log(line: string): void {
    this.#out.log(line);
  }

  /** Ends the bar, or writes the last state if the log has not seen it. */
  stop(): void {
    this.#out.stop();
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
