import type Database from 'better-sqlite3';
import type { ImageFilter, ImageInfo, ImageOrder, ImageStatus, Split } from '../shared/api/project';
import { ImageQuery, type ListQuery } from './imageQuery';

/** What the app knows about a file when it adds it (EXIF orientation applied to width and height). */
export interface NewImage {
  /** Relative to the project file when below it (with '/' separators), else absolute. */
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  orientation: number;
  split: Split;
  status?: ImageStatus;
  /** Where the path led when it was added (symbolic links resolved), and the file's modification time. */
  realPath: string;
  mtimeMs: number;
}

/** The columns the file-level work (thumbnails, checks, export) needs. */
export interface ImageFile {
  id: number;
  path: string;
  fileName: string;
  sha256: string;
  format: string;
  width: number;
  height: number;
  status: ImageStatus;
  split: Split;
  problem: string | null;
  bytes: number;
  /** Null for images added before the app recorded them. */
  realPath: string | null;
  mtimeMs: number | null;
}

const FILE_COLUMNS =
  'id, path, file_name AS fileName, sha256, format, width, height, status, split, problem, bytes, ' +
  'real_path AS realPath, mtime_ms AS mtimeMs';

export class ImageRepo {
  readonly #db: Database.Database;
  readonly #query: ImageQuery;
  readonly #insert: Database.Statement;
  readonly #bySha: Database.Statement<[string], { id: number; path: string }>;
  readonly #allBySha: Database.Statement<[string], { id: number; path: string; fileName: string }>;
  readonly #setIdentity: Database.Statement<[string, number, number]>;
  readonly #byPath: Database.Statement<[string], { id: number; path: string }>;
  readonly #file: Database.Statement<[number], ImageFile>;
  readonly #files: Database.Statement<[], ImageFile>;
  readonly #setStatus: Database.Statement<[string, number]>;
  readonly #setSplit: Database.Statement<[string, number]>;
  readonly #setProblem: Database.Statement<[string | null, number]>;
  readonly #remove: Database.Statement<[number]>;
  readonly #exists: Database.Statement<[number], { id: number }>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#query = new ImageQuery(db);
    this.#insert = db.prepare(
      `INSERT INTO images (path, file_name, sha256, bytes, format, width, height, orientation, status, split,
                           added_at, real_path, mtime_ms)
       VALUES (@path, @fileName, @sha256, @bytes, @format, @width, @height, @orientation, @status, @split,
               @addedAt, @realPath, @mtimeMs)`,
    );
    this.#bySha = db.prepare('SELECT id, path FROM images WHERE sha256 = ? ORDER BY id LIMIT 1');
    this.#allBySha = db.prepare(
      'SELECT id, path, file_name AS fileName FROM images WHERE sha256 = ? ORDER BY id',
    );
    this.#setIdentity = db.prepare('UPDATE images SET real_path = ?, mtime_ms = ? WHERE id = ?');
    this.#byPath = db.prepare('SELECT id, path FROM images WHERE path = ?');
    this.#file = db.prepare(`SELECT ${FILE_COLUMNS} FROM images WHERE id = ?`);
    this.#files = db.prepare(`SELECT ${FILE_COLUMNS} FROM images ORDER BY id`);
    this.#setStatus = db.prepare('UPDATE images SET status = ? WHERE id = ?');
    this.#setSplit = db.prepare('UPDATE images SET split = ? WHERE id = ?');
    this.#setProblem = db.prepare('UPDATE images SET problem = ? WHERE id = ?');
    this.#remove = db.prepare('DELETE FROM images WHERE id = ?');
    this.#exists = db.prepare('SELECT id FROM images WHERE id = ?');
  }

  /** One insert; callers batching many wrap them in their own transaction. */
  insert(img: NewImage, addedAt = new Date().toISOString()): number {
    return Number(this.#insert.run({ ...img, status: img.status ?? 'unlabeled', addedAt }).lastInsertRowid);
  }

  /** Inserts in one transaction; returns the new ids in input order. */
  insertMany(images: readonly NewImage[]): number[] {
    const addedAt = new Date().toISOString();
    return this.#db.transaction(() => images.map((img) => this.insert(img, addedAt)))();
  }

  findBySha256(sha256: string): { id: number; path: string } | undefined {
    return this.#bySha.get(sha256);
  }

  /** Every image with this content, oldest first (identical files are all kept). */
  allBySha256(sha256: string): { id: number; path: string; fileName: string }[] {
    return this.#allBySha.all(sha256);
  }

  /** Records where an image's file now really is and its modification time (its content unchanged). */
  setIdentity(id: number, realPath: string, mtimeMs: number): void {
    this.#setIdentity.run(realPath, mtimeMs, id);
  }

  findByPath(path: string): { id: number; path: string } | undefined {
    return this.#byPath.get(path);
  }

  get(id: number, latestModelId: number | null): ImageInfo | undefined {
    return this.#query.one(id, latestModelId);
  }

  rows(ids: readonly number[], latestModelId: number | null): ImageInfo[] {
    return this.#query.rows(ids, latestModelId);
  }

  /** Position of an image in a filtered, ordered list; null when the filter leaves it out. */
  locate(id: number, filter: ImageFilter, order: ImageOrder, latestModelId: number | null): number | null {
    return this.#query.locate(id, filter, order, latestModelId);
  }

  list(q: ListQuery): { total: number; items: ImageInfo[] } {
    return this.#query.page(q);
  }

  file(id: number): ImageFile | undefined {
    return this.#file.get(id);
  }

  /** Every image, in id order (file checks, split assignment, export). */
  files(): ImageFile[] {
    return this.#files.all();
  }

  /** Ids among `ids` that do not exist. */
  missingIds(ids: readonly number[]): number[] {
    return ids.filter((id) => !this.#exists.get(id));
  }

  setStatus(ids: readonly number[], status: ImageStatus): void {
    this.#db.transaction(() => ids.forEach((id) => this.#setStatus.run(status, id)))();
  }

  setSplits(entries: readonly { id: number; split: Split }[]): void {
    this.#db.transaction(() => entries.forEach((e) => this.#setSplit.run(e.split, e.id)))();
  }

  setProblems(entries: readonly { id: number; problem: string | null }[]): void {
    this.#db.transaction(() => entries.forEach((e) => this.#setProblem.run(e.problem, e.id)))();
  }

  remove(ids: readonly number[]): void {
    this.#db.transaction(() => ids.forEach((id) => this.#remove.run(id)))();
  }
}
