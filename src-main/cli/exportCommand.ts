// `dw-studio export <project> --format coco|voc|yolo|mmdet-dw <dir>`: boxes, classes and splits with
// the images; mmdet-dw adds a config and a README for the official DW code on a GPU cluster.
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  ExportFormat,
  MmdetDwSettings,
  type ExportReport,
  type MmdetDwSettings as Settings,
} from '../shared/api/project';
import { openProject, plural, startSession } from './projectSession';
import { positiveInteger } from './trainCommand';

interface ExportOptions {
  format: ExportFormat;
  allImages?: boolean;
  gpus?: number;
  imagesPerGpu?: number;
  epochs?: number;
  size?: number;
  refine: boolean;
}

/** The mmdet-dw options, by their settings field. */
const MMDET_FLAGS = {
  gpus: '--gpus',
  imagesPerGpu: '--images-per-gpu',
  epochs: '--epochs',
  size: '--size',
  refine: '--no-refine',
} as const satisfies Partial<Record<keyof Settings, string>>;

function parseExportFormat(value: string): ExportFormat {
  const parsed = ExportFormat.safeParse(value.toLowerCase());
  if (!parsed.success) throw new InvalidArgumentError('the format is coco, voc, yolo or mmdet-dw');
  return parsed.data;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'export a project as COCO, Pascal VOC or YOLO (Ultralytics) with a copy of each image, or as a ' +
        'package for the official DW code (mmdetection) to train on a GPU cluster',
    )
    .argument('<project>', 'project file (*.dwproj)')
    .argument('<dir>', 'a new or empty folder to write the dataset into')
    .requiredOption('-f, --format <format>', 'coco, voc, yolo or mmdet-dw', parseExportFormat)
    .option('--all-images', 'also export unlabeled images (other tools read them as images with no objects)')
    .option('--gpus <n>', 'mmdet-dw: GPUs the run is set up for (default 8)', positiveInteger)
    .option('--images-per-gpu <n>', 'mmdet-dw: images per GPU and step (default 2)', positiveInteger)
    .option('--epochs <n>', 'mmdet-dw: epochs (default 12)', positiveInteger)
    .option(
      '--size <px>',
      "mmdet-dw: the images' long side in pixels (default: the official 1333 × 800)",
      positiveInteger,
    )
    .option('--no-refine', 'mmdet-dw: DW without box refinement (the official worefine config)')
    .action(async (project: string, dir: string, opts: ExportOptions, cmd: Command) => {
      const mmdet = mmdetSettings(opts, cmd);
      const session = startSession();
      try {
        const { info } = await openProject(session, project, false);
        const report = await session.call('dataset.export', {
          format: opts.format,
          dir: path.resolve(dir),
          include: opts.allImages ? 'all' : 'labeled',
          ...(mmdet ? { mmdet } : {}),
        });
        console.log(describeExport(report, info.path));
      } finally {
        await session.close();
      }
    });
}

/** The mmdet-dw settings the command line gave; they are an error with any other format. */
function mmdetSettings(opts: ExportOptions, cmd: Command): Settings | null {
  const given = (Object.keys(MMDET_FLAGS) as (keyof typeof MMDET_FLAGS)[]).filter(
    (k) => cmd.getOptionValueSource(k) === 'cli',
  );
  if (opts.format !== 'mmdet-dw') {
    if (given.length > 0) throw new Error(`${MMDET_FLAGS[given[0]!]} goes with --format mmdet-dw only`);
    return null;
  }
  const parsed = MmdetDwSettings.safeParse(Object.fromEntries(given.map((k) => [k, opts[k]])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0] as keyof typeof MMDET_FLAGS;
    throw new Error(`${MMDET_FLAGS[key] ?? String(key)}: ${issue.message}`);
  }
  return parsed.data;
}

const FORMAT_NAME: Record<ExportFormat, string> = {
  coco: 'COCO',
  voc: 'VOC',
  yolo: 'YOLO',
  'mmdet-dw': 'a package for the official DW code (mmdetection)',
};

export function describeExport(r: ExportReport, project: string): string {
  const lines = [
    `Exported ${plural(r.images, 'image')} and ${plural(r.boxes, 'box', 'boxes')} of ${project} ` +
      `as ${FORMAT_NAME[r.format]} to ${r.dir} (${plural(r.files, 'file')})`,
  ];
  if (r.config) lines.push(`Config: ${r.config}`);
  if (r.guide) lines.push(`How to train it on a GPU cluster and bring the results back: ${r.guide}`);
  if (r.skipped > 0) lines.push(`Left out ${plural(r.skipped, 'image')} (unlabeled, or the file is missing)`);
  for (const w of r.warnings) lines.push(`Note: ${w}`);
  return lines.join('\n');
}
