import path from 'node:path';
import type { Split } from '../shared/api/project';
import { parseCocoText } from './coco';
import type { DatasetImage, ReadDataset } from './dataset';
import { FormatError } from './formatError';
import { firstExisting, kindOf, listDir, notFound, readText } from './fsCheck';
import { resolveInside } from './safePath';

/**
 * Reads a COCO json (or the one json of a folder). Image file names resolve in `imagesDir` when given,
 * else beside the json or in an `images` folder beside it.
 */
export async function readCocoDataset(input: string, imagesDir?: string): Promise<ReadDataset> {
  const file = await findJson(input);
  const text = await readText(file);
  const parsed = parseCocoText(text, file);
  const dir = path.dirname(file);
  const roots = imagesDir ? [imagesDir] : [dir, path.join(dir, 'images')];
  const hint = parsed.images.some((i) => i.split !== null) ? null : splitHint(path.basename(file));
  const images: DatasetImage[] = [];
  for (const img of parsed.images) {
    const candidates = roots.map((r) => resolveInside(r, img.fileName, file, `${img.where}.file_name`));
    const found = firstExisting(candidates);
    images.push({
      path: found,
      root: imagesDir ?? dir,
      file,
      where: img.where,
      declared: img.declared,
      split: img.split ?? hint,
      labeled: img.boxes.length > 0,
      boxes: img.boxes,
    });
  }
  const warnings = [...parsed.warnings];
  if (hint) warnings.push(`${path.basename(file)} names the ${hint} split: its images were put in ${hint}`);
  return { format: 'coco', classes: parsed.classes, images, unsupported: parsed.unsupported, warnings };
}

async function findJson(input: string): Promise<string> {
  const kind = await kindOf(input);
  if (kind === null) throw notFound('COCO file', input);
  if (kind === 'file') return input;
  const names = (await listDir(input)).map((e) => e.name).filter((n) => n.toLowerCase().endsWith('.json'));
  if (names.includes('annotations.json')) return path.join(input, 'annotations.json');
  if (names.length === 1) return path.join(input, names[0]!);
  throw new FormatError(
    input,
    null,
    names.length === 0 ? 'no COCO .json file in this folder' : `${names.length} .json files here; choose one`,
  );
}

/** instances_val2017.json, valid.json, train.json: a file per split is the usual COCO layout. */
function splitHint(name: string): Split | null {
  const n = name.toLowerCase();
  if (/(^|[^a-z])val(id(ation)?)?([^a-z]|$)/.test(n) || /(^|[^a-z])test([^a-z]|$)/.test(n)) return 'val';
  if (/(^|[^a-z])train([^a-z]|$)/.test(n)) return 'train';
  return null;
}
