// `dw-studio import <project> --format coco|voc|yolo <path>`: a dataset into a project (created if new).
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ExistingChoice, type DatasetFormat, type ImportReport } from '../shared/api/project';
import { openProject, plural, startSession } from './projectSession';

export const FORMATS: readonly DatasetFormat[] = ['coco', 'voc', 'yolo'];

export function parseFormat(value: string): DatasetFormat {
  const f = value.toLowerCase();
  if (!(FORMATS as readonly string[]).includes(f))
    throw new InvalidArgumentError('the format is coco, voc or yolo');
  return f as DatasetFormat;
}

function parseExisting(value: string): ExistingChoice {
  const parsed = ExistingChoice.safeParse(value.toLowerCase());
  if (!parsed.success) throw new InvalidArgumentError('it is keep, replace or merge');
  return parsed.data;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a COCO json, a Pascal VOC folder or a YOLO dataset into a project; all or nothing')
    .argument('<project>', 'project file (*.dwproj); created when it does not exist')
    .argument('<path>', 'COCO: the .json (or its folder); VOC: the folder; YOLO: data.yaml or its folder')
    .requiredOption('-f, --format <format>', 'coco, voc or yolo', parseFormat)
    .option(
      '--images <dir>',
      'COCO: the folder file_name is relative to (default: beside the json, or images/)',
    )
    .option(
      '--existing <choice>',
      'images the project has already: keep their boxes, replace them with the imported ones, or merge ' +
        '(add each imported box unless one of the same class overlaps it at IoU ≥ 0.95)',
      parseExisting,
      'keep' as ExistingChoice,
    )
    .action(
      async (
        project: string,
        input: string,
        opts: { format: DatasetFormat; images?: string; existing: ExistingChoice },
      ) => {
        const session = startSession();
        try {
          const { info, created } = await openProject(session, project, true);
          if (created) console.log(`Created ${info.path}`);
          const report = await session.call('dataset.import', {
            format: opts.format,
            path: path.resolve(input),
            existing: opts.existing,
            ...(opts.images ? { imagesDir: path.resolve(opts.images) } : {}),
          });
          console.log(describeImport(report, info.path));
        } finally {
          await session.close();
        }
      },
    );
}

export function describeImport(r: ImportReport, project: string): string {
  const lines = [
    `Imported ${plural(r.images, 'image')}, ${plural(r.boxes, 'box', 'boxes')} and ` +
      `${plural(r.classes, 'class', 'classes')} (${r.format.toUpperCase()}) into ${project}`,
  ];
  const e = r.existing;
  if (e.found > 0) {
    const already = `${plural(e.found, 'image')} of the dataset ${e.found === 1 ? 'was' : 'were'} in the project already`;
    if (e.choice === 'keep') {
      lines.push(
        `${already}: kept as ${e.found === 1 ? 'it was' : 'they were'}, without the dataset's ` +
          `${plural(e.boxes, 'box', 'boxes')} on ${e.found === 1 ? 'it' : 'them'} ` +
          '(--existing replace or merge takes those)',
      );
    } else if (e.choice === 'replace') {
      lines.push(
        `${already}: boxes replaced on ${plural(e.changed, 'image')} ` +
          `(${plural(e.removed, 'box', 'boxes')} removed, ${e.added} added)`,
      );
    } else {
      lines.push(
        `${already}: ${plural(e.added, 'box', 'boxes')} added to ${plural(e.changed, 'image')}; ` +
          'the others were there already',
      );
    }
  }
  if (r.unsupported.length > 0) {
    lines.push('Content DW Studio does not model:');
    for (const u of r.unsupported) lines.push(`  ${u.count} × ${u.what}`);
  }
  for (const w of r.warnings) lines.push(`Note: ${w}`);
  return lines.join('\n');
}
