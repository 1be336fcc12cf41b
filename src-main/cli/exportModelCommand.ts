// `dw-studio export-model <project> [--model id] <dir>`: a trained model for the user's own program,
// as TensorFlow.js weights, its settings and a JavaScript module that finds boxes with it.
import path from 'node:path';
import type { Command } from 'commander';
import { chooseModel, parseModelId } from './predictCommand';
import { openProject, plural, startSession } from './projectSession';

export function registerExportModel(program: Command): void {
  program
    .command('export-model')
    .description(
      'write a trained model as TensorFlow.js weights, its pre- and post-processing settings and a ' +
        'JavaScript module that returns its boxes for an image, in Node or a browser',
    )
    .argument('<project>', 'project file (*.dwproj)')
    .argument('<dir>', 'a new or empty folder to write the model into')
    .option('--model <id>', 'the model to export (default: the newest trained one)', parseModelId)
    .action(async (project: string, dir: string, opts: { model?: number }) => {
      const session = startSession();
      try {
        await openProject(session, project, false);
        const model = await chooseModel(session, opts.model, 'trained');
        const r = await session.call('models.export', { modelId: model.id, dir: path.resolve(dir) });
        const mb = (r.bytes / 2 ** 20).toFixed(1);
        console.log(
          `Exported model ${r.modelId} (${r.name}) to ${r.dir}: ${plural(r.files.length, 'file')}, ${mb} MB; ` +
            `${plural(r.classes.length, 'class', 'classes')}, ${r.inputSize} px input.`,
        );
        console.log(
          `Use it from JavaScript with ${path.join(r.dir, 'detector.mjs')}: ${path.join(r.dir, 'README.md')} shows how.`,
        );
      } finally {
        await session.close();
      }
    });
}
