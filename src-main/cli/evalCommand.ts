// `dw-studio eval <project>`: a model's COCO box metrics on a split of the project. It predicts the
// split's images with the model (stored as suggestions, as Review does), then scores them against
// the labels: pycocotools' 12 numbers and per-class AP. An imported model is scored on the detections
// it was imported with.
import { Option, type Command } from 'commander';
import { SUMMARY_KEYS, type CocoSummary, type SummaryKey } from '../eval';
import type { ModelEvaluation } from '../shared/api/training';
import { chooseModel, exitOnSignal, parseModelId } from './predictCommand';
import { openProject, plural, startSession } from './projectSession';

export interface EvalCommandOptions {
  model?: number;
  split: 'val' | 'train' | 'all';
  json?: boolean;
}

/** What --json prints. Stats are in pycocotools' `stats` order; -1 where there is nothing to score. */
export interface EvalOutput {
  model: { id: number; name: string };
  split: 'val' | 'train' | 'all';
  images: number;
  stats: CocoSummary;
  perClass: { classId: number; name: string; gt: number; AP: number; AP50: number }[];
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      "score a model on the project's labeled images with the COCO box metrics (it predicts them first)",
    )
    .argument('<project>', 'project file (*.dwproj)')
    .option('--model <id>', 'the model to score (default: the newest)', parseModelId)
    .addOption(
      new Option('--split <split>', 'which labeled images: val, train or all')
        .choices(['val', 'train', 'all'])
        .default('val'),
    )
    .option('--json', 'print the numbers as JSON')
    .action((project: string, opts: EvalCommandOptions) => evalCommand(project, opts));
}

async function evalCommand(project: string, opts: EvalCommandOptions): Promise<void> {
  const session = startSession({ trainer: true });
  const stopOnSignal = exitOnSignal('Stopped before the evaluation finished.');
  try {
    const { info } = await openProject(session, project, false);
    const model = await chooseModel(session, opts.model);
    // An imported model has no network: its detections are those of its results file.
    if (model.source === 'trained')
      await session.call('predict.run', { modelId: model.id, scope: opts.split === 'val' ? 'val' : 'all' });
    const ev = await session.call('review.evaluate', { modelId: model.id, split: opts.split });
    if (ev.images === 0) {
      throw new Error(
        `${info.path} has no labeled ${opts.split === 'all' ? '' : `${opts.split} `}images to evaluate on`,
      );
    }
    const out = toOutput(model, opts.split, ev);
    console.log(opts.json ? JSON.stringify(out, null, 2) : formatEvaluation(out));
  } finally {
    stopOnSignal();
    await session.close();
  }
}

function toOutput(
  model: { id: number; name: string },
  split: EvalOutput['split'],
  ev: ModelEvaluation,
): EvalOutput {
  return {
    model: { id: model.id, name: model.name },
    split,
    images: ev.images,
    stats: Object.fromEntries(SUMMARY_KEYS.map((k) => [k, ev.stats[k] ?? -1])) as CocoSummary,
    perClass: ev.perClass.map((c) => ({
      classId: c.classId,
      name: c.name,
      gt: c.gt,
      AP: c.AP,
      AP50: c.AP50,
    })),
  };
}

/** The summary lines of pycocotools' COCOeval.summarize(), in its order. */
const LINES: Record<SummaryKey, [kind: 'AP' | 'AR', iou: string, area: string, maxDets: number]> = {
  AP: ['AP', '0.50:0.95', 'all', 100],
  AP50: ['AP', '0.50', 'all', 100],
  AP75: ['AP', '0.75', 'all', 100],
  APs: ['AP', '0.50:0.95', 'small', 100],
  APm: ['AP', '0.50:0.95', 'medium', 100],
  APl: ['AP', '0.50:0.95', 'large', 100],
  AR1: ['AR', '0.50:0.95', 'all', 1],
  AR10: ['AR', '0.50:0.95', 'all', 10],
  AR100: ['AR', '0.50:0.95', 'all', 100],
  ARs: ['AR', '0.50:0.95', 'small', 100],
  ARm: ['AR', '0.50:0.95', 'medium', 100],
  ARl: ['AR', '0.50:0.95', 'large', 100],
};

export function formatEvaluation(out: EvalOutput): string {
  const boxes = out.perClass.reduce((n, c) => n + c.gt, 0);
  const lines = [
    `Model ${out.model.id} (${out.model.name}) on ${plural(out.images, `labeled ${out.split === 'all' ? '' : `${out.split} `}image`)}, ${plural(boxes, 'box', 'boxes')}:`,
  ];
  for (const key of SUMMARY_KEYS) {
    const [kind, iou, area, maxDets] = LINES[key];
    const title = kind === 'AP' ? 'Average Precision' : 'Average Recall';
    lines.push(
      `${key.padEnd(6)}${title.padEnd(18)} (${kind}) @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${out.stats[key].toFixed(3)}`,
    );
  }
  const width = Math.max(5, ...out.perClass.map((c) => c.name.length));
  lines.push('', `${'class'.padEnd(width)}  boxes     AP   AP50`);
  const num = (v: number) => (v < 0 ? '—' : v.toFixed(3)).padStart(6);
  for (const c of out.perClass) {
    lines.push(`${c.name.padEnd(width)}  ${String(c.gt).padStart(5)} ${num(c.AP)} ${num(c.AP50)}`);
  }
  return lines.join('\n');
}
