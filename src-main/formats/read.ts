import type { DatasetFormat } from '../shared/api/project';
import { readCocoDataset } from './cocoFiles';
import type { ReadDataset } from './dataset';
import { readVocDataset } from './vocFiles';
import { readYoloDataset } from './yoloFiles';

/** Reads (and checks) a dataset in any supported format; nothing here touches a project. */
export function readDataset(
  format: DatasetFormat,
  input: string,
  opts: { imagesDir?: string } = {},
): Promise<ReadDataset> {
  switch (format) {
    case 'coco':
      return readCocoDataset(input, opts.imagesDir);
    case 'voc':
      return readVocDataset(input);
    case 'yolo':
      return readYoloDataset(input);
  }
}
