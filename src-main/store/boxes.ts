import type Database from 'better-sqlite3';
import type { Box, BoxSource, BoxXYWH } from '../shared/api/project';
import { quantizeBox } from '../shared/geometry';

/** A labeled box as it is saved (validated and clipped by the caller). */
export interface NewBox extends BoxXYWH {
  classId: number;
  source: BoxSource;
  score: number | null;
}

export interface ReplaceResult {
  boxes: Box[];
  removed: number;
}

/** New geometry and class for a saved box (validated and clipped by the caller). */
export interface BoxChange extends BoxXYWH {
  id: number;
  classId: number;
}

export interface EditResult {
  added: Box[];
  updated: Box[];
  deleted: number;
}

const BOX_COLUMNS = 'id, class_id AS classId, x, y, w, h, source, score';

export class BoxRepo {
  readonly #db: Database.Database;
  readonly #forImage: Database.Statement<[number], Box>;
  readonly #deleteForImage: Database.Statement<[number]>;
  readonly #insert: Database.Statement;
  readonly #insertWithId: Database.Statement;
  readonly #idTaken: Database.Statement<[number], { id: number }>;
  readonly #update: Database.Statement;
  readonly #delete: Database.Statement<[number, number]>;
  readonly #idsOf: Database.Statement<[number], { id: number }>;
  readonly #markLabeled: Database.Statement<[number]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #all: Database.Statement<[], Box & { imageId: number }>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#forImage = db.prepare(`SELECT ${BOX_COLUMNS} FROM boxes WHERE image_id = ? ORDER BY id`);
    this.#deleteForImage = db.prepare('DELETE FROM boxes WHERE image_id = ?');
    this.#insert = db.prepare(
      `INSERT INTO boxes (image_id, class_id, x, y, w, h, source, score)
       VALUES (@imageId, @classId, @x, @y, @w, @h, @source, @score) RETURNING ${BOX_COLUMNS}`,
    );
    this.#insertWithId = db.prepare(
      `INSERT INTO boxes (id, image_id, class_id, x, y, w, h, source, score)
       VALUES (@id, @imageId, @classId, @x, @y, @w, @h, @source, @score) RETURNING ${BOX_COLUMNS}`,
    );
    this.#idTaken = db.prepare('SELECT id FROM boxes WHERE id = ?');
    this.#update = db.prepare(
      `UPDATE boxes SET class_id = @classId, x = @x, y = @y, w = @w, h = @h
       WHERE id = @id AND image_id = @imageId RETURNING ${BOX_COLUMNS}`,
    );
    this.#delete = db.prepare('DELETE FROM boxes WHERE id = ? AND image_id = ?');
    this.#idsOf = db.prepare('SELECT id FROM boxes WHERE image_id = ?');
    this.#markLabeled = db.prepare(
      "UPDATE images SET status = 'labeled' WHERE id = ? AND status = 'unlabeled'",
    );
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM boxes');
    this.#all = db.prepare(`SELECT image_id AS imageId, ${BOX_COLUMNS} FROM boxes ORDER BY image_id, id`);
  }

  forImage(imageId: number): Box[] {
    return this.#forImage.all(imageId);
  }

  /**
   * The one write behind every box edit, undo and redo: delete and insert in one short transaction.
   * Saving at least one box labels an unlabeled image; 'reviewed' is only ever set explicitly.
   */
  replace(imageId: number, boxes: readonly NewBox[]): ReplaceResult {
    return this.#db.transaction((): ReplaceResult => {
      const removed = this.#deleteForImage.run(imageId).changes;
      const saved = boxes.map((b) => this.insert(imageId, b));
      if (saved.length > 0) this.markLabeled(imageId);
      return { boxes: saved, removed };
    })();
  }

  /** Ids of the boxes of one image. */
  idsOf(imageId: number): Set<number> {
    return new Set(this.#idsOf.all(imageId).map((r) => r.id));
  }

  /**
   * One edit by id, in one short transaction: deletes, then updates, then inserts. Boxes not named keep
   * their ids; an added box asking for an id gets it when no box holds it (undo of a delete), so ids
   * stay stable across edits and their undo. Adding labels an unlabeled image.
   */
  edit(
    imageId: number,
    edit: {
      add: readonly (NewBox & { id?: number })[];
      update: readonly BoxChange[];
      delete: readonly number[];
    },
  ): EditResult {
    return this.#db.transaction((): EditResult => {
      let deleted = 0;
      for (const id of edit.delete) deleted += this.#delete.run(id, imageId).changes;
      const updated = edit.update.map(
        (b) => this.#update.get({ ...quantizeBox(b), imageId }) as Box | undefined,
      );
      if (updated.some((b) => b === undefined)) throw new Error(`a box to update is not on image ${imageId}`);
      const added = edit.add.map(({ id, ...b }) =>
        id !== undefined && !this.#idTaken.get(id)
          ? (this.#insertWithId.get({ ...quantizeBox(b), imageId, id }) as Box)
          : this.insert(imageId, b),
      );
      if (added.length > 0) this.markLabeled(imageId);
      return { added, updated: updated as Box[], deleted };
    })();
  }

  /** One insert, no transaction of its own (for callers batching inside theirs). */
  insert(imageId: number, b: NewBox): Box {
    return this.#insert.get({ ...quantizeBox(b), imageId }) as Box;
  }

  deleteForImage(imageId: number): number {
    return this.#deleteForImage.run(imageId).changes;
  }

  markLabeled(imageId: number): void {
    this.#markLabeled.run(imageId);
  }

  /** Every box, grouped by image (exports, training snapshots). */
  byImage(): Map<number, Box[]> {
    const map = new Map<number, Box[]>();
    for (const { imageId, ...box } of this.#all.iterate()) {
      let list = map.get(imageId);
      if (!list) map.set(imageId, (list = []));
      list.push(box);
    }
    return map;
  }

  count(): number {
    return this.#count.get()!.n;
  }
}
