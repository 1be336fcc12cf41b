import path from 'node:path';
import type { Split } from '../shared/api/project';
import { countUnsupported, type DatasetImage, type ReadDataset } from './dataset';
import { FormatError } from './formatError';
import { kindOf, listDir, notFound, readText } from './fsCheck';
import { resolveInside } from './safePath';
import { labelPathFor, parseDataYaml, parseYoloLabels, type DataYaml } from './yolo';

const IMAGE_EXT = /\.(jpe?g|png|webp|bmp|tiff?)$/i;

/** Reads an Ultralytics YOLO dataset from its data.yaml (or the folder holding it). */
export async function readYoloDataset(input: string): Promise<ReadDataset> {
  const yamlFile = await findYaml(input);
  const data = parseDataYaml(await readText(yamlFile), yamlFile);
  const warnings: string[] = [];
  const root = datasetRoot(data, yamlFile, warnings);
  const unsupported = new Map<string, number>();
  const images: DatasetImage[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let tests = 0;
  const splits: [keyof DataYaml & ('train' | 'val' | 'test'), Split][] = [
    ['train', 'train'],
    ['val', 'val'],
    ['test', 'val'],
  ];
  for (const [key, split] of splits) {
    for (const [i, entry] of data[key].entries()) {
      const where = data[key].length > 1 ? `${key}[${i}]` : key;
      for (const image of await listSplit(root, entry, yamlFile, where)) {
        if (seen.has(image)) {
          repeated++;
          continue;
        }
        seen.add(image);
        if (key === 'test') tests++;
        const labelFile = labelPathFor(image);
        const hasLabels = (await kindOf(labelFile)) === 'file';
        const labels = hasLabels
          ? parseYoloLabels(await readText(labelFile), labelFile, data.names.length, data.kptShape)
          : { boxes: [], unsupported: new Map<string, number>() };
        for (const [what, n] of labels.unsupported) countUnsupported(unsupported, what, n);
        images.push({
          path: image,
          root,
          file: hasLabels ? labelFile : yamlFile,
          where: hasLabels ? 'labels' : where,
          declared: null,
          split,
          labeled: hasLabels,
          boxes: labels.boxes,
        });
      }
    }
  }
  if (images.length === 0) throw new FormatError(yamlFile, null, 'its train and val folders hold no images');
  if (tests > 0)
    warnings.push(`${tests} images of the test split were put in val (the project has train and val)`);
  if (repeated > 0)
    warnings.push(`${repeated} images are listed in more than one split; the first one was kept`);
  return { format: 'yolo', classes: data.names, images, unsupported, warnings };
}

async function findYaml(input: string): Promise<string> {
  const kind = await kindOf(input);
  if (kind === null) throw notFound('YOLO dataset', input);
  if (kind === 'file') return input;
  const names = (await listDir(input)).map((e) => e.name).filter((n) => /\.ya?ml$/i.test(n));
  if (names.includes('data.yaml')) return path.join(input, 'data.yaml');
  if (names.length === 1) return path.join(input, names[0]!);
  throw new FormatError(
    input,
    null,
    names.length === 0 ? 'no data.yaml in this folder' : 'several .yaml files here; choose one',
  );
}

/**
 * `path:` in data.yaml, relative to the yaml's folder and inside it. An absolute one (usually the
 * machine the dataset was made on) is ignored: the files are read where the yaml is now.
 */
function datasetRoot(data: DataYaml, yamlFile: string, warnings: string[]): string {
  const dir = path.dirname(yamlFile);
  if (data.path === null || data.path === '.') return dir;
  if (path.isAbsolute(data.path)) {
    warnings.push(`data.yaml's path (${data.path}) was ignored; the files were read from ${dir}`);
    return dir;
  }
  return resolveInside(dir, data.path, yamlFile, 'path');
}

/** A split entry: a folder of images (searched recursively) or a text file listing image paths. */
async function listSplit(root: string, entry: string, yamlFile: string, where: string): Promise<string[]> {
  const target = resolveInside(root, entry, yamlFile, where);
  const kind = await kindOf(target);
  if (kind === null) throw new FormatError(yamlFile, where, `"${entry}" does not exist under ${root}`);
  if (kind === 'dir') return (await listImages(target)).sort();
  const lines = (await readText(target)).split(/\r?\n/).map((l) => l.trim());
  return lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l !== '')
    .map(([l, i]) =>
      l.startsWith('./')
        ? resolveInside(path.dirname(target), l, target, `line ${i + 1}`)
        : resolveInside(root, l, target, `line ${i + 1}`),
    );
}

/**
 * Image files below `dir`. A symbolic link to a file is listed like a file (where it leads is checked
 * later, and a link out of the dataset refuses the import); links to folders are not followed.
 */
async function listImages(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await listDir(dir)) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await listImages(full, out);
    else if ((e.isFile() || e.isSymbolicLink()) && IMAGE_EXT.test(e.name)) out.push(full);
  }
  return out;
}
