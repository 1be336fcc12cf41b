// `dw-studio export <project> --format coco|voc|yolo <dir>`: boxes, classes and splits with the images.
import path from 'node:path';
import type { Command } from 'commander';
import type { DatasetFormat, ExportReport } from '../shared/api/project';
import { parseFormat } from './importCommand';
import { openProject, plural, startSession } from './projectSession';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a project as COCO, Pascal VOC or YOLO (Ultralytics), with a copy of each image')
    .argument('<project>', 'project file (*.dwproj)')
    .argument('<dir>', 'a new or empty folder to write the dataset into')
    .requiredOption('-f, --format <format>', 'coco, voc or yolo', parseFormat)
    .option('--all-images', 'also export unlabeled images (other tools read them as images with no objects)')
    .action(async (project: string, dir: string, opts: { format: DatasetFormat; allImages?: boolean }) => {
      const session = startSession();
      try {
        const { info } = await openProject(session, project, false);
        const report = await session.call('dataset.export', {
          format: opts.format,
          dir: path.resolve(dir),
          include: opts.allImages ? 'all' : 'labeled',
        });
        console.log(describeExport(report, info.path));
      } finally {
        await session.close();
      }
    });
}

export function describeExport(r: ExportReport, project: string): string {
  const lines = [
    `Exported ${plural(r.images, 'image')} and ${plural(r.boxes, 'box', 'boxes')} of ${project} ` +
      `as ${r.format.toUpperCase()} to ${r.dir} (${plural(r.files, 'file')})`,
  ];
  if (r.skipped > 0) lines.push(`Left out ${plural(r.skipped, 'image')} (unlabeled, or the file is missing)`);
  for (const w of r.warnings) lines.push(`Note: ${w}`);
  return lines.join('\n');
}
