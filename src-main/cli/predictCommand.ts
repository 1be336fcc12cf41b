// `dw-studio predict <project>`: run a model over images and store its detections in the project as
// pending suggestions (what Review shows), optionally writing them as a COCO results file.
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ModelInfo } from '../shared/api/training';
import { openProject, plural, startSession, type CliSession } from './projectSession';

export interface PredictCommandOptions {
  model?: number;
  images: 'unlabeled' | 'all' | 'val';
  ids?: number[];
  out?: string;
}

export function parseModelId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a model id is a whole number ≥ 1');
  return n;
}

function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1))
    throw new InvalidArgumentError('image ids are whole numbers ≥ 1, separated by commas');
  return [...new Set(ids)];
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("run a model over the project's images and store its detections as suggestions for review")
    .argument('<project>', 'project file (*.dwproj)')
    .option('--model <id>', 'the model to use (default: the newest)', parseModelId)
    .addOption(
      new Option('--images <which>', 'which images: unlabeled, all, or val (the validation split)')
        .choices(['unlabeled', 'all', 'val'])
        .default('unlabeled'),
    )
    .option('--ids <list>', 'exactly these image ids, e.g. 1,2,3 (instead of --images)', parseIds)
    .option('--out <file>', "also write the model's stored detections as a COCO results file (json)")
    .action((project: string, opts: PredictCommandOptions, cmd: Command) =>
      predictCommand(project, opts, cmd),
    );
}

async function predictCommand(project: string, opts: PredictCommandOptions, cmd: Command): Promise<void> {
  if (opts.ids && cmd.getOptionValueSource('images') === 'cli')
    throw new Error('--ids and --images cannot be used together: give one');
  const session = startSession({ trainer: true });
  const stopOnSignal = exitOnSignal('Stopped; the images finished so far keep their predictions.');
  try {
    await openProject(session, project, false);
    const model = await chooseModel(session, opts.model, 'trained');
    const r = await session.call('predict.run', {
      modelId: model.id,
      ...(opts.ids ? { scope: 'selected', imageIds: opts.ids } : { scope: opts.images }),
    });
    const which = opts.ids ? 'selected' : opts.images === 'val' ? 'validation' : opts.images;
    if (r.images === 0) console.log(`No ${which === 'all' ? '' : `${which} `}images to predict.`);
    else
      console.log(
        `Predicted ${plural(r.images, which === 'all' ? 'image' : `${which} image`)} with model ${model.id} (${model.name}): ` +
          `${plural(r.predictions, 'detection')} stored as suggestions.`,
      );
    if (opts.out) {
      const written = await session.call('predictions.export', {
        modelId: model.id,
        path: path.resolve(opts.out),
      });
      console.log(
        `Wrote ${plural(written.detections, 'detection')} of model ${model.id} to ${written.path} (COCO results).`,
      );
    }
  } finally {
    stopOnSignal();
    await session.close();
  }
}

/**
 * The model the user named, or the newest one (of those with a network, when `source` is 'trained');
 * a project without models is an error that says what to do.
 */
export async function chooseModel(
  session: CliSession,
  id: number | undefined,
  source: 'trained' | 'any' = 'any',
): Promise<ModelInfo> {
  const models = await session.call('models.list', {});
  if (id === undefined) {
    const newest = models.find((m) => source === 'any' || m.source === source);
    if (!newest) throw new Error('The project has no trained model yet: run dw-studio train first');
    return newest;
  }
  const model = models.find((m) => m.id === id);
  if (!model) {
    const known = models.map((m) => m.id).join(', ');
    throw new Error(
      `Model ${id} does not exist${known ? ` (models: ${known})` : ' (the project has no models)'}`,
    );
  }
  return model;
}

/**
 * Ctrl-C during a job that stores as it goes (prediction batches are each one transaction): say what
 * is kept, and exit 130. The trainer process exits when our IPC channel closes.
 */
export function exitOnSignal(message: string): () => void {
  const handler = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${message}\n`);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
