import path from 'node:path';
import type { Split } from '../shared/api/project';
import { countUnsupported, type DatasetImage, type ReadDataset } from './dataset';
import { FormatError } from './formatError';
import { firstExisting, kindOf, listDir, notFound, readText } from './fsCheck';
import { resolveInside } from './safePath';
import { parseImageSet, parseLabelList, parseVocXml, splitFromImageSet } from './voc';

const IMAGE_EXTS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.JPG', '.JPEG', '.PNG'];

/**
 * Reads a Pascal VOC folder: the devkit layout (Annotations/, JPEGImages/, ImageSets/Main/) or a flat
 * folder of XML files beside their images (labelImg). A labels.txt gives the class order.
 */
export async function readVocDataset(dir: string): Promise<ReadDataset> {
  const kind = await kindOf(dir);
  if (kind === null) throw notFound('Pascal VOC folder', dir);
  if (kind !== 'dir') throw new FormatError(dir, null, 'a Pascal VOC import takes the folder, not one file');
  const devkit = (await kindOf(path.join(dir, 'Annotations'))) === 'dir';
  const xmlDir = devkit ? path.join(dir, 'Annotations') : dir;
  const xmlFiles = (await listXml(xmlDir)).sort();
  if (xmlFiles.length === 0) throw new FormatError(dir, null, 'no .xml annotation files found');

  const classes: string[] = [];
  const classIndex = new Map<string, number>();
  const addClass = (name: string): number => {
    const key = name.toLowerCase();
    let i = classIndex.get(key);
    if (i === undefined) {
      i = classes.length;
      classIndex.set(key, i);
      classes.push(name);
    }
    return i;
  };
  const listFile = firstExisting([path.join(dir, 'labels.txt'), path.join(dir, 'classes.txt')]);
  const hasList = (await kindOf(listFile)) === 'file';
  if (hasList) parseLabelList(await readText(listFile)).forEach(addClass);
  const listed = classes.length;

  const splits = await readImageSets(dir);
  const unsupported = new Map<string, number>();
  const images: DatasetImage[] = [];
  const seen = new Map<string, string>();
  for (const xml of xmlFiles) {
    const ann = parseVocXml(await readText(xml), xml);
    const roots = devkit ? [path.join(dir, 'JPEGImages'), path.dirname(xml)] : [path.dirname(xml)];
    const stem = path.basename(xml, path.extname(xml));
    const named = roots.map((r) => resolveInside(r, ann.filename, xml, '<filename>'));
    // Some tools write the file name without (or with a wrong) extension: fall back on the XML's stem.
    const byStem = roots.flatMap((r) => IMAGE_EXTS.map((e) => path.join(r, stem + e)));
    const imagePath = firstExisting([...named, ...byStem]);
    const other = seen.get(imagePath);
    if (other) throw new FormatError(xml, '<filename>', `names the same image as ${other}`);
    seen.set(imagePath, xml);
    for (const [what, n] of ann.unsupported) countUnsupported(unsupported, what, n);
    images.push({
      path: imagePath,
      root: dir,
      file: xml,
      where: '<filename>',
      declared: ann.declared,
      split: splits.get(stem) ?? null,
      labeled: true,
      boxes: ann.objects.map((o) => ({
        classIndex: addClass(o.name),
        where: o.where,
        kind: 'pixels',
        box: o.box,
      })),
    });
  }
  const warnings: string[] = [];
  if (hasList && classes.length > listed) {
    warnings.push(
      `classes not in ${path.basename(listFile)} were added: ${classes.slice(listed).join(', ')}`,
    );
  }
  return { format: 'voc', classes, images, unsupported, warnings };
}

async function listXml(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await listDir(dir)) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await listXml(full, out);
    else if (e.isFile() && e.name.toLowerCase().endsWith('.xml')) out.push(full);
  }
  return out;
}

/** ImageSets/Main/{train,val,test}.txt: image stem → split. */
async function readImageSets(dir: string): Promise<Map<string, Split>> {
  const map = new Map<string, Split>();
  const main = path.join(dir, 'ImageSets', 'Main');
  for (const name of ['train', 'val', 'test']) {
    const file = path.join(main, `${name}.txt`);
    if ((await kindOf(file)) !== 'file') continue;
    const split = splitFromImageSet(name)!;
    for (const stem of parseImageSet(await readText(file))) if (!map.has(stem)) map.set(stem, split);
  }
  return map;
}
