// `dw-studio coco-eval <gt.json> <detections.json> [--per-class]`: COCO box metrics as JSON on stdout.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { evaluate, parseCocoDetections, parseCocoGroundTruth, SUMMARY_KEYS, type CocoSummary } from '../eval';
import { isAppError } from '../shared/errors';

export interface CocoEvalOptions {
  perClass?: boolean;
}

/**
 * The printed object: pycocotools' 12 `stats` under the names of its summary lines (AP, AP50, AP75,
 * APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; -1 where there is nothing to score), and with
 * --per-class a `perClass` list in ascending category id: {id, name, AP, AP50}.
 */
export type CocoEvalOutput = CocoSummary & {
  perClass?: { id: number; name: string; AP: number; AP50: number }[];
};

export function registerCocoEval(program: Command): void {
  program
    .command('coco-eval')
    .description(
      'score detections against ground truth with the COCO box metrics, as pycocotools computes them; prints JSON',
    )
    .argument('<gt.json>', 'ground truth, COCO dataset format: {images, annotations, categories}')
    .argument('<detections.json>', 'COCO results: [{image_id, category_id, bbox: [x, y, w, h], score}]')
    .option('--per-class', 'add AP and AP50 for each category')
    .action((gtPath: string, detectionsPath: string, opts: CocoEvalOptions) => {
      console.log(JSON.stringify(cocoEvalCommand(gtPath, detectionsPath, opts), null, 2));
    });
}

export function cocoEvalCommand(
  gtPath: string,
  detectionsPath: string,
  opts: CocoEvalOptions = {},
): CocoEvalOutput {
  const gt = fromFile(gtPath, () => parseCocoGroundTruth(readJson(gtPath)));
  const dets = fromFile(detectionsPath, () => parseCocoDetections(readJson(detectionsPath), gt));
  const result = evaluate({ images: gt.images, gts: gt.gts, dets, classIds: gt.categories.map((c) => c.id) });

  // Keys in pycocotools' `stats` order.
  const out: CocoEvalOutput = Object.fromEntries(
    SUMMARY_KEYS.map((k) => [k, result.summary[k]]),
  ) as CocoSummary;
  if (opts.perClass) {
    out.perClass = gt.categories.map((c, k) => ({
      id: c.id,
      name: c.name,
      AP: result.perClass[k]!.AP,
      AP50: result.perClass[k]!.AP50,
    }));
  }
  return out;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    throw new Error(`cannot read ${file}: ${why}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // The parser's message says where the text stops making sense, e.g. at the end of a truncated file.
    throw new Error(`${file} is not valid JSON: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

/** Names the file a malformed field is in, so the one-line error says where to look. */
function fromFile<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (isAppError(e)) throw new Error(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}
