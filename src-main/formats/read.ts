import type { DatasetFormat } from '../shared/api/project';
import { readCocoDataset } from './cocoFiles';
import { checkRealPathsInside } from './safePath';
import type { ReadDataset } from './dataset';
import { readVocDataset } from './vocFiles';
import { readYoloDataset } from './yoloFiles';

/**
 * Reads (and checks) a dataset in any supported format; nothing here touches a project. Every image
 * path stays inside its dataset folder, as written and where it really leads.
 */
export async function readDataset(
  format: DatasetFormat,
  input: string,
  opts: { imagesDir?: string } = {},
): Promise<ReadDataset> {
  const data = await readAny(format, input, opts);
  checkRealPathsInside(data.images);
  return data;
}

function readAny(format: DatasetFormat, input: string, opts: { imagesDir?: string }): Promise<ReadDataset> {
  switch (format) {
    case 'coco':
      return readCocoDataset(input, opts.imagesDir);
    case 'voc':
      return readVocDataset(input);
    case 'yolo':
      return readYoloDataset(input);
  }
}
