import type { DatasetFormat, Split } from '../shared/api/project';
import type { BoxCXCYWHNorm, BoxXYWH, Size } from './geometry';

/**
 * One box as read from a file. COCO and VOC give pixels; YOLO gives fractions of an image size that
 * only the image file itself can tell, so those stay normalized until the image is probed.
 */
export type DatasetBox = {
  classIndex: number;
  /** Where the box was written, for messages: "annotations[12]" or "line 3". */
  where: string;
} & ({ kind: 'pixels'; box: BoxXYWH } | { kind: 'normalized'; box: BoxCXCYWHNorm });

export interface DatasetImage {
  /** Absolute path, already checked to stay inside the folder the annotation file may name files in. */
  path: string;
  /** That folder: where the path must also really lead, symbolic links followed (checkRealPathsInside). */
  root: string;
  /** The annotation file and the place in it that names this image, for messages. */
  file: string;
  where: string;
  /** The size the annotation file states (COCO, VOC), if any. */
  declared: Size | null;
  split: Split | null;
  /** The file says this image was labeled (an empty VOC file or YOLO label file is a labeled negative). */
  labeled: boolean;
  boxes: DatasetBox[];
}

/** What an import read, before anything touches the project. */
export interface ReadDataset {
  format: DatasetFormat;
  /** Class names in the order the file gives them; a box's classIndex points in here. */
  classes: string[];
  images: DatasetImage[];
  /** Content the app does not model, by kind, with how many of it: reported to the user. */
  unsupported: Map<string, number>;
  warnings: string[];
}

export function countUnsupported(map: Map<string, number>, what: string, n = 1): void {
  map.set(what, (map.get(what) ?? 0) + n);
}
