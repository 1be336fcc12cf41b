import type Database from 'better-sqlite3';
import type { BoxXYWH, Split } from '../shared/api/project';
import type { BoxRepo } from './boxes';
import type { ClassRepo, NewClass } from './classes';
import type { ImageRepo, NewImage } from './images';
import { quantize } from '../shared/geometry';

/** A class of an import: one the project has, or one to create. */
export type ImportClass = { id: number } | { create: NewClass };

export interface ImportImage {
  /** The project's image with the same content, or the row to add. */
  target: { id: number } | { create: NewImage };
  /** Null keeps the project's split (or the new row's). */
  split: Split | null;
  /** The annotation file labeled this image: an unlabeled image becomes labeled even with no boxes. */
  labeled: boolean;
  /** Replace the image's boxes with these (class as an index into `ImportPlan.classes`). */
  boxes: readonly { classIndex: number; box: BoxXYWH }[];
}

export interface ImportPlan {
  classes: readonly ImportClass[];
  images: readonly ImportImage[];
}

export interface ImportApplied {
  classIds: number[];
  imageIds: number[];
  boxes: number;
}

/**
 * Applies a fully validated import in one transaction: any failure (a constraint, a full disk) rolls
 * everything back and the project is exactly as it was.
 */
export function applyImport(
  db: Database.Database,
  repos: { images: ImageRepo; boxes: BoxRepo; classes: ClassRepo },
  plan: ImportPlan,
): ImportApplied {
  const setSplit = db.prepare<[string, number]>('UPDATE images SET split = ? WHERE id = ?');
  // Positional, no RETURNING: this runs 200,000 times for a large dataset (about 3× faster).
  const insertBox = db.prepare<[number, number, number, number, number, number]>(
    "INSERT INTO boxes (image_id, class_id, x, y, w, h, source, score) VALUES (?, ?, ?, ?, ?, ?, 'manual', NULL)",
  );
  return db.transaction((): ImportApplied => {
    const classIds = plan.classes.map((c) => ('id' in c ? c.id : repos.classes.add(c.create).id));
    const addedAt = new Date().toISOString();
    const imageIds: number[] = [];
    let boxes = 0;
    for (const img of plan.images) {
      let id: number;
      if ('id' in img.target) {
        id = img.target.id;
        repos.boxes.deleteForImage(id);
        if (img.split) setSplit.run(img.split, id);
      } else {
        id = repos.images.insert(
          { ...img.target.create, split: img.split ?? img.target.create.split },
          addedAt,
        );
      }
      for (const b of img.boxes) {
        const classId = classIds[b.classIndex];
        if (classId === undefined) throw new Error(`import plan: no class at index ${b.classIndex}`);
        const q = b.box;
        insertBox.run(id, classId, quantize(q.x), quantize(q.y), quantize(q.w), quantize(q.h));
      }
      boxes += img.boxes.length;
      if (img.labeled || img.boxes.length > 0) repos.boxes.markLabeled(id);
      imageIds.push(id);
    }
    return { classIds, imageIds, boxes };
  })();
}
