import type Database from 'better-sqlite3';
import type { ClassInfo } from '../shared/api/project';

export interface NewClass {
  name: string;
  color: string;
  hotkey: string | null;
}

export type ClassPatch = Partial<NewClass>;

const CLASS_COLUMNS = `c.id, c.name, c.color, c.hotkey,
  (SELECT COUNT(*) FROM boxes b WHERE b.class_id = c.id) AS boxCount`;

/** Classes in creation order: the order every export writes them in. */
export class ClassRepo {
  readonly #db: Database.Database;
  readonly #list: Database.Statement<[], ClassInfo>;
  readonly #get: Database.Statement<[number], ClassInfo>;
  readonly #byName: Database.Statement<[string], ClassInfo>;
  readonly #byHotkey: Database.Statement<[string], ClassInfo>;
  readonly #insert: Database.Statement;
  readonly #moveBoxes: Database.Statement<[number, number]>;
  readonly #movePredictions: Database.Statement<[number, number]>;
  readonly #deleteBoxes: Database.Statement<[number]>;
  readonly #delete: Database.Statement<[number]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #exists: Database.Statement<[number], { id: number }>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#list = db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes c ORDER BY c.id`);
    this.#get = db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.id = ?`);
    this.#byName = db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.name = ? COLLATE NOCASE`);
    this.#byHotkey = db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.hotkey = ?`);
    this.#insert = db.prepare(
      'INSERT INTO classes (name, color, hotkey, created_at) VALUES (@name, @color, @hotkey, @createdAt)',
    );
    this.#moveBoxes = db.prepare('UPDATE boxes SET class_id = ? WHERE class_id = ?');
    this.#movePredictions = db.prepare('UPDATE predictions SET class_id = ? WHERE class_id = ?');
    this.#deleteBoxes = db.prepare('DELETE FROM boxes WHERE class_id = ?');
    this.#delete = db.prepare('DELETE FROM classes WHERE id = ?');
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM classes');
    this.#exists = db.prepare('SELECT id FROM classes WHERE id = ?');
  }

  list(): ClassInfo[] {
    return this.#list.all();
  }

  get(id: number): ClassInfo | undefined {
    return this.#get.get(id);
  }

  /** Whether the class exists; unlike `get`, without counting its boxes (this runs on every save). */
  has(id: number): boolean {
    return this.#exists.get(id) !== undefined;
  }

  /** Names are unique without regard to case ("Car" and "car" are one class to a user). */
  findByName(name: string): ClassInfo | undefined {
    return this.#byName.get(name);
  }

  findByHotkey(hotkey: string): ClassInfo | undefined {
    return this.#byHotkey.get(hotkey);
  }

  add(c: NewClass): ClassInfo {
    const id = Number(this.#insert.run({ ...c, createdAt: new Date().toISOString() }).lastInsertRowid);
    return this.get(id)!;
  }

  update(id: number, patch: ClassPatch): ClassInfo {
    const sets = (['name', 'color', 'hotkey'] as const).filter((k) => patch[k] !== undefined);
    if (sets.length > 0) {
      this.#db
        .prepare(`UPDATE classes SET ${sets.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`)
        .run({ ...patch, id });
    }
    return this.get(id)!;
  }

  /** Moves every box and prediction of `sourceId` to `targetId`, then deletes the source; one transaction. */
  merge(sourceId: number, targetId: number): void {
    this.#db.transaction(() => {
      this.#moveBoxes.run(targetId, sourceId);
      this.#movePredictions.run(targetId, sourceId);
      this.#delete.run(sourceId);
    })();
  }

  /** Deletes a class with its boxes (predictions of it go by cascade); one transaction. */
  deleteWithBoxes(id: number): void {
    this.#db.transaction(() => {
      this.#deleteBoxes.run(id);
      this.#delete.run(id);
    })();
  }

  count(): number {
    return this.#count.get()!.n;
  }
}
