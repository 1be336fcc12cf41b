import type { DatasetFormat } from '../shared/api/project';
import { writeCoco } from './coco';
import { stemOf, type ExportDataset, type ExportLayout } from './exportDataset';
import { writeVocXml } from './voc';
import { writeYolo } from './yolo';

/** The files of an export in any format (pure: the caller writes them). */
export function layoutExport(format: DatasetFormat, d: ExportDataset): ExportLayout {
  switch (format) {
    case 'coco':
      return writeCoco(d);
    case 'yolo':
      return writeYolo(d);
    case 'voc':
      return writeVoc(d);
  }
}

/** The devkit layout: Annotations/, JPEGImages/, ImageSets/Main/{train,val}.txt, and labels.txt. */
function writeVoc(d: ExportDataset): ExportLayout {
  const list = (split: string) =>
    d.images
      .filter((i) => i.split === split)
      .map((i) => `${stemOf(i.name)}\n`)
      .join('');
  return {
    files: [
      { path: 'labels.txt', content: d.classes.map((c) => `${c}\n`).join('') },
      { path: 'ImageSets/Main/train.txt', content: list('train') },
      { path: 'ImageSets/Main/val.txt', content: list('val') },
      ...d.images.map((img) => ({
        path: `Annotations/${stemOf(img.name)}.xml`,
        content: writeVocXml(img, d.classes, 'JPEGImages'),
      })),
    ],
    imagePaths: new Map(d.images.map((img) => [img.name, `JPEGImages/${img.name}`])),
  };
}
