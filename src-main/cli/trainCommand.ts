// `dw-studio train <project>`: the run the Train button starts (the same plan, services and trainer
// process), with its progress on the terminal. Ctrl-C stops it after a checkpoint; --resume goes on.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { dataDirFor } from '../services/projectPaths';
import { humanBytes } from '../shared/bytes';
import type { EventPayload } from '../shared/contract';
import {
  TrainOverrides,
  type TrainConfig,
  type RunInfo,
  type RunState,
  type TrainConfigInput,
  type TrainPlan,
} from '../shared/api/training';
import { runSettings } from '../shared/runSettings';
import { isOutOfMemory } from '../training/outOfMemory';
import { latestCheckpointStep, runDirOf } from '../training/runFiles';
import { openProject, plural, startSession, type CliSession } from './projectSession';
import { DownloadLine } from './terminalProgress';
import { formatDuration, TrainProgress } from './trainProgress';

export interface TrainCommandOptions {
  assigner?: 'dw' | 'fcos';
  refine?: boolean;
  preset?: 'small' | 'mobilenet_v2' | 'resnet18' | 'resnet50';
  /** Start the whole network from a random initialisation, not from ImageNet weights. */
  scratch?: boolean;
  size?: number;
  epochs?: number;
  minutes?: number;
  steps?: number;
  batch?: number;
  checkpointEvery?: number;
  lr?: number;
  warmup?: number;
  workers?: number;
  seed?: number;
  /** true: the latest stopped run; a number: that run. */
  resume?: true | number;
  /** Start a new run with exactly the recorded settings of this run (weights and seed included). */
  like?: number;
}

/** Each setting the command line can override, with the flag that sets it (for messages). */
const FLAGS: Record<keyof TrainCommandOptions & string, [keyof TrainConfigInput | null, string]> = {
  assigner: ['assigner', '--assigner'],
  refine: ['refine', '--refine/--no-refine'],
  preset: ['preset', '--preset'],
  scratch: ['weights', '--scratch'],
  size: ['size', '--size'],
  epochs: ['epochs', '--epochs'],
  minutes: ['minutes', '--minutes'],
  steps: ['maxSteps', '--steps'],
  batch: ['batchSize', '--batch'],
  checkpointEvery: ['checkpointEvery', '--checkpoint-every'],
  lr: ['lr', '--lr'],
  warmup: ['warmupSteps', '--warmup'],
  workers: ['workers', '--workers'],
  seed: ['seed', '--seed'],
  resume: [null, '--resume'],
  like: [null, '--like'],
};

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description("train a detector on the project's labeled images: the run one click on Train starts")
    .argument('<project>', 'project file (*.dwproj)')
    .addOption(
      new Option('--assigner <name>', 'label assignment: dw (Dual Weighting) or fcos (the baseline)').choices(
        ['dw', 'fcos'],
      ),
    )
    .option('--refine', 'DW with box refinement (the default)')
    .option('--no-refine', 'DW without box refinement (the ablation)')
    .addOption(
      new Option(
        '--preset <name>',
        'network: small (a CPU, from scratch), mobilenet_v2 (a CPU, ImageNet weights), resnet18 or resnet50',
      ).choices(['small', 'mobilenet_v2', 'resnet18', 'resnet50']),
    )
    .option('--scratch', 'start the whole network from a random initialisation, not from ImageNet weights')
    .option('--size <px>', 'network input size in pixels (a multiple of 32)', positiveInteger)
    .option('--epochs <n>', 'train for this many epochs (instead of a time budget)', positiveInteger)
    .option('--minutes <n>', 'train for this many minutes (instead of epochs)', positiveNumber)
    .option('--steps <n>', 'train exactly this many steps (wins over epochs and minutes)', positiveInteger)
    .option('--batch <n>', 'images per step', positiveInteger)
    .option('--checkpoint-every <n>', 'save a checkpoint every n steps (default 200)', positiveInteger)
    .option('--lr <rate>', 'base learning rate (default 0.01)', positiveNumber)
    .option('--warmup <steps>', 'steps of linear learning-rate warmup', nonNegativeInteger)
    .option(
      '--workers <n>',
      'compute workers on the CPU, one thread each (default: one per physical core)',
      positiveInteger,
    )
    .option(
      '--seed <n>',
      'random seed of the initialisation, order and flips (default 0)',
      nonNegativeInteger,
    )
    .option(
      '--like <runId>',
      'a new run with the recorded settings of that run (network, weights and their SHA-256, seed…): it reproduces it',
      positiveInteger,
    )
    .option(
      '--resume [runId]',
      'continue the latest stopped (cancelled or failed) run, or the given one, from its last checkpoint',
      positiveInteger,
    )
    .addHelpText(
      'after',
      '\nSettings left out come from the plan the app makes for this dataset and machine; the command\n' +
        'prints it and why. Ctrl-C stops the run after a checkpoint (a second Ctrl-C quits at once);\n' +
        '--resume continues it with its own settings.',
    )
    .action((project: string, opts: TrainCommandOptions) => trainCommand(project, opts));
}

export async function trainCommand(project: string, opts: TrainCommandOptions): Promise<void> {
  const overrides = toOverrides(opts);
  const session = startSession({ trainer: true });
  const progress = new TrainProgress('Training');
  const stop = new StopRequest(progress);
  try {
    const { info } = await openProject(session, project, false);
    const ended = waitForEnd(session, progress);
    let run: RunInfo;
    if (opts.resume !== undefined) {
      run = await resumeRun(session, info.path, opts.resume);
      progress.device = run.device;
    } else {
      if (opts.like !== undefined)
        Object.assign(overrides, await recordedSettings(session, info.path, opts.like, overrides));
      const plan = await session.call('train.plan', { overrides });
      printPlan(info.path, plan, overrides);
      if (plan.blocker) throw new Error(plan.blocker);
      progress.device = plan.compute.device;
      if (stop.requested) {
        console.log('Stopped before training started.');
        process.exitCode = stop.exitCode;
        return;
      }
      run = await session.call('train.start', { overrides });
      console.log(`Run ${run.id} started.`);
    }
    stop.attach(() => void session.call('train.cancel', { runId: run.id }).catch(() => {}));
    const end = await ended(run.id);
    progress.stop();
    const final = (await session.call('runs.list', {})).find((r) => r.id === run.id) ?? run;
    if (end.state === 'failed') throw new Error(failureLine(info.path, run.id, end.message));
    if (end.state === 'cancelled') {
      const step = lastCheckpointStep(info.path, run.id);
      console.log(
        `Run ${run.id} stopped at step ${step ?? final.steps}; its checkpoint is saved. Resume with:\n` +
          `  dw-studio train ${quote(info.path)} --resume ${run.id}`,
      );
      process.exitCode = stop.exitCode;
      return;
    }
    printResult(final);
  } finally {
    progress.stop();
    stop.dispose();
    await session.close();
  }
}

/** The command line's settings as plan overrides, checked against the contract (one-line errors). */
export function toOverrides(opts: TrainCommandOptions): Partial<TrainConfigInput> {
  if (opts.epochs !== undefined && opts.minutes !== undefined)
    throw new Error('--epochs and --minutes cannot be used together: give one budget');
  const given = (Object.keys(FLAGS) as (keyof TrainCommandOptions)[]).filter(
    (k) => k !== 'resume' && k !== 'like' && opts[k] !== undefined,
  );
  if (opts.resume !== undefined && given.length > 0) {
    throw new Error(
      `--resume continues a run with its own settings: leave out ${given.map((k) => FLAGS[k][1]).join(', ')}`,
    );
  }
  const overrides = Object.fromEntries(
    given.map((k) => [FLAGS[k][0]!, k === 'scratch' ? null : opts[k]]),
  ) as Partial<TrainConfigInput>;
  const parsed = TrainOverrides.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = given.find((k) => FLAGS[k][0] === issue.path[0]);
    throw new Error(`${flag ? FLAGS[flag][1] : String(issue.path[0])}: ${issue.message}`);
  }
  return overrides;
}

/** A run's recorded settings, under the flags also given (which then differ from the record). */
async function recordedSettings(
  session: CliSession,
  projectFile: string,
  runId: number,
  flags: Partial<TrainConfigInput>,
): Promise<Partial<TrainConfigInput>> {
  const run = (await session.call('runs.list', {})).find((r) => r.id === runId);
  if (!run)
    throw new Error(
      `${projectFile} has no run ${runId}: \`dw-studio train --help\` and the Train view list the runs.`,
    );
  const recorded: Partial<TrainConfigInput> = { ...run.config };
  const lengthGiven =
    flags.maxSteps !== undefined || flags.minutes !== undefined || flags.epochs !== undefined;
  // A time budget gives a length that depends on the machine's speed that day; the run is reproduced
  // by the length its budget was spent in (the learning rate follows the step and that length alone).
  if (
    !lengthGiven &&
    run.config.maxSteps === null &&
    run.config.minutes !== null &&
    run.totalSteps !== null
  ) {
    Object.assign(recorded, { maxSteps: run.totalSteps, minutes: null, epochs: null });
    console.log(
      `Run ${runId} spent its ${formatMinutes(run.config.minutes)} budget in ${plural(run.totalSteps, 'step')}: this run takes the same ${plural(run.totalSteps, 'step')}.`,
    );
  }
  return { ...recorded, ...flags };
}

function formatMinutes(minutes: number): string {
  return Number.isInteger(minutes) ? `${minutes}-minute` : `${+minutes.toFixed(2)}-minute`;
}

async function resumeRun(session: CliSession, projectFile: string, which: true | number): Promise<RunInfo> {
  const runs = await session.call('runs.list', {});
  const run =
    which === true
      ? runs.find((r) => r.state === 'cancelled' || r.state === 'failed')
      : runs.find((r) => r.id === which);
  if (!run) {
    throw new Error(
      which === true
        ? `${projectFile} has no stopped run to resume; start one with: dw-studio train ${quote(projectFile)}`
        : `Run ${which} does not exist in ${projectFile}`,
    );
  }
  const step = lastCheckpointStep(projectFile, run.id);
  const resumed = await session.call('train.resume', { runId: run.id });
  console.log(
    `Resuming run ${run.id} (${run.state}${run.error ? `: ${run.error}` : ''}) from its checkpoint at step ${step}.`,
  );
  // A run stopped by a crash has no summary yet, so its image counts are unknown here.
  console.log(`Settings: ${describeConfig(resumed.config, null, {})}`);
  return resumed;
}

/** Resolves with how the run ended, from its train.state events; streams its steps and evaluations. */
function waitForEnd(session: CliSession, progress: TrainProgress) {
  let runId: number | null = null;
  let budget = { steps: null as number | null, seconds: null as number | null };
  let settle: (e: EventPayload<'train.state'>) => void = () => {};
  const done = new Promise<EventPayload<'train.state'>>((resolve) => (settle = resolve));
  // Events that come before the run's id is known (the trainer starts at once) wait for it.
  let early: Array<[string, unknown]> | null = [];
  let download: DownloadLine | null = null;
  const handle = (name: string, payload: unknown) => {
    if (name === 'weights.progress') {
      // Weights not yet here download before the run starts, shown as `weights download` shows them.
      const p = payload as EventPayload<'weights.progress'>;
      download ??= new DownloadLine(p.id);
      download.update(p);
      if (p.state === 'running') return;
      download.stop();
      download = null;
      progress.log(
        p.state === 'failed'
          ? `Download of the ${p.id} weights failed.`
          : `Downloaded the ${p.id} weights (${humanBytes(p.total)}), SHA-256 checked.`,
      );
      return;
    }
    if ((payload as { runId?: number }).runId !== runId) return;
    if (name === 'train.step') {
      progress.update((payload as EventPayload<'train.step'>).metrics, budget);
    } else if (name === 'train.eval') {
      const s = (payload as EventPayload<'train.eval'>).summary;
      const on = s.images === undefined ? '' : ` (${plural(s.images, 'validation image')})`;
      progress.log(
        `Validation at step ${s.step}${on}: AP ${s.AP.toFixed(3)} · AP50 ${s.AP50.toFixed(3)} · AP75 ${s.AP75.toFixed(3)}`,
      );
    } else if (name === 'train.skipped') {
      const e = payload as EventPayload<'train.skipped'>;
      progress.log(`Skipped ${e.file}: it cannot be decoded (${e.reason}); training goes on without it.`);
    } else if (name === 'train.state') {
      const e = payload as EventPayload<'train.state'>;
      if (isFinal(e.state)) settle(e);
    }
  };
  const unsubscribe = session.services.events.subscribe((name, payload) => {
    if (early && name !== 'weights.progress') early.push([name, payload]);
    else handle(name, payload);
  });
  return async (id: number) => {
    runId = id;
    const waiting = early ?? [];
    early = null;
    for (const [name, payload] of waiting) handle(name, payload);
    const run = (await session.call('runs.list', {})).find((r) => r.id === id);
    if (run) {
      budget = {
        steps: run.config.maxSteps,
        seconds: run.config.maxSteps === null && run.config.minutes !== null ? run.config.minutes * 60 : null,
      };
      // A run may end before the listener knew its id (a trainer that fails at once).
      if (isFinal(run.state)) settle({ runId: id, state: run.state, message: run.error });
    }
    try {
      return await done;
    } finally {
      unsubscribe();
    }
  };
}

const isFinal = (s: RunState) => s === 'done' || s === 'failed' || s === 'cancelled';

/**
 * Ctrl-C (or SIGTERM) once: cancel the run, which checkpoints and stops; the command then exits 130
 * (143). Twice: exit at once; the trainer exits with us, and the run is marked stopped when the
 * project is next opened.
 */
class StopRequest {
  requested = false;
  exitCode = 130;
  #cancel: (() => void) | null = null;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    if (this.requested) {
      this.progress.stop();
      process.stderr.write(`\n${signal} again: quitting without waiting for the checkpoint.\n`);
      process.exit(code);
    }
    this.requested = true;
    this.exitCode = code;
    this.progress.log(`\nStopping${this.#cancel ? ' after a checkpoint' : ''}… (Ctrl-C again quits at once)`);
    this.#cancel?.();
  };

  constructor(private readonly progress: TrainProgress) {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** What a stop does once the run exists; a stop asked for before that happens now. */
  attach(cancel: () => void): void {
    this.#cancel = cancel;
    if (this.requested) cancel();
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

function printPlan(projectFile: string, plan: TrainPlan, overrides: Partial<TrainConfigInput>): void {
  const c = plan.compute;
  console.log(
    `Project ${projectFile}: ${plural(plan.trainImages, 'training image')}, ${plural(plan.valImages, 'validation image')}`,
  );
  console.log(`Compute: ${c.device} (${c.backend})`);
  for (const s of c.skipped) {
    console.log(`  ${s.backend} not used: ${s.reason}`);
    if (s.fix) console.log(`    ${s.fix}`);
  }
  console.log('Plan:');
  for (const r of plan.reasons) console.log(`  ${r}`);
  console.log(`Settings: ${describeConfig(plan.config, plan.valImages, overrides)}`);
}

/** One line of the settings a run uses; those the command line set are marked with their flag. */
export function describeConfig(
  c: TrainConfig,
  valImages: number | null,
  overrides: Partial<TrainConfigInput>,
): string {
  const from = (key: keyof TrainConfigInput, text: string) => {
    const flag = Object.values(FLAGS).find(([k]) => k === key)?.[1];
    return overrides[key] !== undefined && flag ? `${text} (${flag})` : text;
  };
  const assigner = runSettings(c).label;
  const budget =
    c.maxSteps !== null
      ? from('maxSteps', plural(c.maxSteps, 'step'))
      : [
          c.epochs !== null ? from('epochs', plural(c.epochs, 'epoch')) : null,
          c.minutes !== null ? from('minutes', `${c.minutes} min`) : null,
        ]
          .filter(Boolean)
          .join(' or ');
  const validation =
    valImages === 0
      ? 'no validation images'
      : c.evalEvery === null
        ? 'validation at a few points and at the end'
        : `validation every ${c.evalEvery} steps and at the end`;
  return [
    from(c.assigner === 'fcos' ? 'assigner' : 'refine', assigner),
    from('preset', `${c.preset} network`),
    from('weights', c.weights ? `from ${c.weights.id} (SHA-256 ${c.weights.sha256})` : 'from scratch'),
    from('size', `${c.size} px`),
    from('batchSize', `batch ${c.batchSize}`),
    budget,
    from('lr', `lr ${c.lr}`),
    from('warmupSteps', `warmup ${c.warmupSteps} steps`),
    from('checkpointEvery', `checkpoint every ${c.checkpointEvery} steps`),
    validation,
    from('seed', `seed ${c.seed}`),
    c.workers === null ? null : from('workers', plural(c.workers, 'worker')),
  ]
    .filter(Boolean)
    .join(' · ');
}

function printResult(run: RunInfo): void {
  const speed = run.imagesPerSec !== null ? `, ${run.imagesPerSec.toFixed(1)} images/s` : '';
  console.log(
    `Run ${run.id} finished: ${plural(run.steps, 'step')} in ${formatDuration(run.durationSec)}${speed} on ${run.device ?? run.backend ?? 'an unknown device'}.`,
  );
  const ap =
    run.AP === null || run.AP50 === null
      ? run.valImages > 0
        ? `AP not measured: none of the ${plural(run.valImages, 'validation image')} could be decoded`
        : 'AP not measured (no validation images)'
      : `AP ${run.AP.toFixed(3)} · AP50 ${run.AP50.toFixed(3)} on ${plural(run.valImages, 'validation image')}`;
  console.log(`${ap} · model ${run.modelId ?? '—'}`);
}

/**
 * A failed run in one line: why, then what to do. A crash or a kill leaves the last checkpoint, which
 * --resume continues from; an out-of-memory would come back with the same settings, so it needs a new
 * run with smaller ones.
 */
export function failureLine(projectFile: string, runId: number, reason: string | null): string {
  let why = (reason ?? 'no reason given').replace(/\s*\n\s*/g, ' ').trim();
  if (!/[.!?]$/.test(why)) why += '.';
  const step = lastCheckpointStep(projectFile, runId);
  const next = isOutOfMemory(why)
    ? 'Set them with --size, --batch and --preset.'
    : step === null
      ? `It stopped before its first checkpoint; start a new run with: dw-studio train ${quote(projectFile)}`
      : `Its checkpoint at step ${step} is saved; resume with: dw-studio train ${quote(projectFile)} --resume ${runId}`;
  return `Run ${runId} failed: ${why} ${next}`;
}

/** The step of the run's latest complete checkpoint, or null when it has none. */
function lastCheckpointStep(projectFile: string, runId: number): number | null {
  return latestCheckpointStep(runDirOf(dataDirFor(projectFile), runId));
}

/** A path as a shell would need it in the printed resume command. */
function quote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
