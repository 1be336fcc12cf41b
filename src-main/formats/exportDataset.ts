import type { Split } from '../shared/api/project';
import type { BoxXYWH } from './geometry';

/** What an export writes, gathered from the project; every writer works from this alone. */
export interface ExportImage {
  /** The image's file name inside the export, unique in it (see `exportFileNames`). */
  name: string;
  width: number;
  height: number;
  split: Split;
  boxes: { classIndex: number; box: BoxXYWH }[];
  /** False for an unlabeled image (exported only when asked for); the formats that care keep it apart. */
  labeled?: boolean;
}

export interface ExportDataset {
  classes: string[];
  images: ExportImage[];
}

/** One file an export writes, relative to its folder ('/' separated). */
export interface OutputFile {
  path: string;
  content: string;
}

/** An export's layout: the annotation files, and where inside the folder each image goes. */
export interface ExportLayout {
  files: OutputFile[];
  /** Image name → path inside the export folder. */
  imagePaths: Map<string, string>;
  /** Folders made even when nothing goes in them (a split data.yaml names, with no image in it). */
  folders?: string[];
}

/**
 * File names for the export, unique without regard to case and extension (VOC and YOLO name the
 * annotation of `a.jpg` `a.xml` / `a.txt`, so `a.jpg` and `A.png` would collide). A clash gets the
 * image id appended: `a_17.png`.
 */
export function exportFileNames(images: readonly { id: number; fileName: string }[]): Map<number, string> {
  const taken = new Set<string>();
  const names = new Map<number, string>();
  for (const img of images) {
    const dot = img.fileName.lastIndexOf('.');
    const stem = dot > 0 ? img.fileName.slice(0, dot) : img.fileName;
    const ext = dot > 0 ? img.fileName.slice(dot) : '';
    let name = img.fileName;
    if (taken.has(stem.toLowerCase())) name = `${stem}_${img.id}${ext}`;
    taken.add(stemOf(name).toLowerCase());
    names.set(img.id, name);
  }
  return names;
}

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
