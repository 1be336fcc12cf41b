// A trained model out of the app, for the user's own program: TensorFlow.js weights (model.json with a
// standard weightsManifest, and 4 MB shards), detector.json with what goes in and comes out, and
// detector.mjs, the module that runs it (built from the app's own detector code). No tensor work here:
// the weights are the model's own bytes, cut into shards.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeExportFolder } from '../formats/exportFiles';
import type { ModelExportReport } from '../shared/api/training';
import { AppError } from '../shared/errors';
import {
  EXPORTED_MODEL_FILE,
  EXPORTED_MODEL_FORMAT,
  EXPORTED_MODULE_FILE,
  EXPORTED_SETTINGS_FILE,
  exportedSettings,
  shardName,
  WEIGHT_SHARD_BYTES,
} from '../shared/exportedModel';
import { MODEL_FORMAT, readManifest, WEIGHTS_FILE, type ModelMeta } from '../training/runFiles';
import type { ServiceContext } from './context';
import { resolveModel } from './modelFiles';
import { withProgress } from './progress';
import type { ProjectSession } from './session';

export function exportModel(
  ctx: ServiceContext,
  session: ProjectSession,
  input: { modelId: number; dir: string },
): Promise<ModelExportReport> {
  const model = resolveModel(session, input.modelId);
  const name = model.row.name ?? `Model ${input.modelId}`;
  return withProgress(ctx.events, 'model.export', `Exporting ${name}`, async (progress) => {
    const module = ctx.options.deployModule;
    if (!module || !(await stat(module).catch(() => null))?.isFile())
      throw new AppError(
        'internal',
        `The model's JavaScript module is not built (${module ?? 'no path'}): run npm run build`,
      );
    const manifest = readManifest<ModelMeta>(model.dir, MODEL_FORMAT);
    const weightsFile = path.join(model.dir, WEIGHTS_FILE);
    let weights: Buffer;
    try {
      weights = await readFile(weightsFile);
    } catch (e) {
      throw new AppError(
        'io_error',
        `The weights of model ${input.modelId} cannot be read (${weightsFile}): ${(e as Error).message}`,
      );
    }
    const count = Math.max(1, Math.ceil(weights.byteLength / WEIGHT_SHARD_BYTES));
    const shards = Array.from({ length: count }, (_, i) => ({
      path: shardName(i, count),
      content: new Uint8Array(
        weights.buffer,
        weights.byteOffset + i * WEIGHT_SHARD_BYTES,
        Math.min(WEIGHT_SHARD_BYTES, weights.byteLength - i * WEIGHT_SHARD_BYTES),
      ),
    }));
    const { meta } = manifest;
    const modelJson = {
      format: EXPORTED_MODEL_FORMAT,
      generatedBy: `DW Studio ${ctx.options.appVersion}`,
      convertedBy: null,
      weightsManifest: [{ paths: shards.map((s) => s.path), weights: manifest.weightsManifest[0]!.weights }],
      // The network's definition: the module builds the forward pass from it (there is no graph).
      userDefinedMetadata: { network: meta.detector },
    };
    const classes = meta.classes.map((c) => c.name);
    const settings = exportedSettings({
      id: input.modelId,
      name,
      classes,
      inputSize: meta.detector.inputSize,
      assigner: meta.detector.assigner,
    });
    const files = [
      { path: EXPORTED_MODEL_FILE, content: `${JSON.stringify(modelJson, null, 1)}\n` },
      ...shards,
      { path: EXPORTED_SETTINGS_FILE, content: `${JSON.stringify(settings, null, 2)}\n` },
      { path: 'README.md', content: exportedModelReadme(name, settings.input.size, classes) },
    ];
    const dir = path.resolve(input.dir);
    await writeExportFolder(dir, files, [{ from: module, to: EXPORTED_MODULE_FILE }], (done, total) =>
      progress.update(done, total),
    );
    const moduleBytes = (await stat(path.join(dir, EXPORTED_MODULE_FILE))).size;
    return {
      modelId: input.modelId,
      name,
      dir,
      files: [...files.map((f) => f.path), EXPORTED_MODULE_FILE].sort(),
      bytes: files.reduce(
        (n, f) => n + (typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.byteLength),
        moduleBytes,
      ),
      inputSize: settings.input.size,
      classes,
    };
  });
}

function exportedModelReadme(name: string, size: number, classes: readonly string[]): string {
  return [
    `# ${name}: a DW detector for your own program`,
    '',
    `An FCOS + Dual Weighting detector trained in DW Studio: ${classes.length} classes (${classes.join(', ')}),`,
    `images resized to ${size} px on their long side.`,
    '',
    '| file | what it is |',
    '|---|---|',
    '| `model.json`, `group1-shard*.bin` | the network’s weights in TensorFlow.js’s format (a standard `weightsManifest`), and the network’s definition |',
    '| `detector.json` | what goes in and comes out: input size, resizing, padding, normalisation, score threshold, NMS, class names |',
    '| `detector.mjs` | the module that loads both and returns boxes, in Node and in browsers; it needs only `@tensorflow/tfjs-core` and a backend |',
    '',
    'The module finds the boxes DW Studio finds for the same pixels: it is DW Studio’s own forward pass,',
    'resizing and post-processing.',
    '',
    '## Node',
    '',
    '```sh',
    'npm install @tensorflow/tfjs-core@4 @tensorflow/tfjs-backend-wasm@4 sharp',
    '```',
    '',
    '```js',
    "import { readFile } from 'node:fs/promises';",
    "import path from 'node:path';",
    "import * as tf from '@tensorflow/tfjs-core';",
    "import '@tensorflow/tfjs-backend-wasm';",
    "import sharp from 'sharp';",
    "import { loadDetector } from './model/detector.mjs';",
    '',
    "await tf.setBackend('wasm');",
    "const dir = 'model';",
    'const detector = await loadDetector({ read: (name) => readFile(path.join(dir, name)) });',
    '// The pixels as DW Studio decodes them: EXIF orientation applied, alpha dropped, sRGB.',
    "const { data, info } = await sharp('photo.jpg').rotate().removeAlpha().toColourspace('srgb')",
    '  .raw().toBuffer({ resolveWithObject: true });',
    'const boxes = await detector.detect({ data, width: info.width, height: info.height, channels: info.channels });',
    '// [{ x, y, width, height, score, classIndex, className }, …] in the photo’s pixels, best first',
    '```',
    '',
    '`@tensorflow/tfjs-backend-cpu` (plain JavaScript) or `@tensorflow/tfjs-node` work as well; the',
    'WebAssembly backend is the one DW Studio predicts with on a CPU, so its boxes match to the digit.',
    '',
    '## Browser',
    '',
    'Serve this folder, and with a bundler (or an import map) for `@tensorflow/tfjs-core`:',
    '',
    '```js',
    "import * as tf from '@tensorflow/tfjs-core';",
    "import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';",
    "import { loadDetector, pixelsOf } from './model/detector.mjs';",
    '',
    "setWasmPaths('/wasm/'); // where the backend's .wasm files are served",
    "await tf.setBackend('wasm');",
    "const detector = await loadDetector('/model/');",
    "const boxes = await detector.detect(pixelsOf(document.querySelector('img')));",
    '```',
    '',
    '`detect(image, { scoreThreshold })` keeps boxes above another score (the default is in',
    '`detector.json`); `detector.dispose()` frees the weights.',
    '',
  ].join('\n');
}
