// `dw-studio import-predictions <project> <results.json>`: a COCO results file of any detector (the
// official DW code's test script, for one) becomes a model of the project, for Review and `eval`.
import path from 'node:path';
import type { Command } from 'commander';
import type { PredictionImportReport } from '../shared/api/training';
import { openProject, plural, startSession } from './projectSession';

export interface ImportPredictionsOptions {
  name?: string;
  images?: string;
}

export function registerImportPredictions(program: Command): void {
  program
    .command('import-predictions')
    .description(
      'read a COCO results file (any detector) into the project as a model, to review and score like one trained here',
    )
    .argument('<project>', 'project file (*.dwproj)')
    .argument('<results>', 'COCO results: a json list of {image_id, category_id, bbox, score}')
    .option('--name <name>', "the model's name (default: the results file's name)")
    .option(
      '--images <coco.json>',
      'the COCO file whose image and category ids the results use (e.g. the exported annotations/val.json); ' +
        "images are matched by file name, categories by class name (default: the project's own ids, as predict --out writes them)",
    )
    .action(async (project: string, results: string, opts: ImportPredictionsOptions) => {
      const session = startSession();
      try {
        const { info } = await openProject(session, project, false);
        const report = await session.call('predictions.import', {
          path: path.resolve(results),
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.images !== undefined ? { images: path.resolve(opts.images) } : {}),
        });
        console.log(describePredictionImport(report, info.path, opts.images !== undefined));
      } finally {
        await session.close();
      }
    });
}

export function describePredictionImport(
  r: PredictionImportReport,
  project: string,
  byName: boolean,
): string {
  const lines = [
    `Imported ${plural(r.detections, 'detection')} as model ${r.model.id} (${r.model.name}) of ${project}.`,
  ];
  const { images } = r;
  lines.push(
    byName
      ? `Images: ${images.matched} of ${images.total} matched by file name, ${images.unmatched} not found in the project` +
          (images.unmatchedNames.length
            ? ` (${images.unmatchedNames.join(', ')}${images.unmatched > images.unmatchedNames.length ? ', …' : ''})`
            : '') +
          '.'
      : `Images: ${images.matched} of the project` +
          (images.unmatched
            ? `; ${plural(images.unmatched, 'image id')} of the file ${images.unmatched === 1 ? 'is' : 'are'} not in it (${images.unmatchedNames.join(', ')}${images.unmatched > images.unmatchedNames.length ? ', …' : ''})`
            : '') +
          '.',
  );
  for (const s of r.skipped) lines.push(`Left out ${plural(s.count, 'detection')} ${s.reason}.`);
  lines.push(`Review it in the app, or score it: dw-studio eval ${project} --model ${r.model.id}`);
  return lines.join('\n');
}
