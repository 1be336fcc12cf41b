import type Database from 'better-sqlite3';
import { PREVIEW_BOXES, type ImageFilter, type ImageInfo, type ImageOrder } from '../shared/api/project';

export interface ListQuery {
  filter: ImageFilter;
  order: ImageOrder;
  offset: number;
  limit: number;
  /** Predictions are counted for this model only (the latest); null counts none. */
  latestModelId: number | null;
}

const COLUMNS = `
  i.id, i.path, i.file_name AS fileName, i.width, i.height, i.status, i.split, i.problem, i.uncertainty,
  (SELECT COUNT(*) FROM boxes b WHERE b.image_id = i.id) AS boxCount,
  (SELECT COUNT(*) FROM predictions p WHERE p.image_id = i.id AND p.model_id = @model) AS predictionCount`;

const ORDER_BY: Record<ImageOrder, string> = {
  name: 'i.file_name COLLATE NOCASE, i.id',
  added: 'i.id',
  uncertainty: 'i.uncertainty DESC NULLS LAST, i.id',
};

/** Rows that come before image `@id` in each order (same keys as ORDER_BY, as a comparison). */
const BEFORE: Record<ImageOrder, string> = {
  name: '(i.file_name COLLATE NOCASE, i.id) < (SELECT file_name COLLATE NOCASE, id FROM images WHERE id = @id)',
  added: 'i.id < @id',
  uncertainty: `(CASE WHEN t.u IS NULL THEN i.uncertainty IS NOT NULL OR i.id < @id
      ELSE i.uncertainty > t.u OR (i.uncertainty = t.u AND i.id < @id) END)`,
};

type Row = Omit<ImageInfo, 'preview'>;

type Params = Record<string, string | number | null>;

interface BoxRow {
  imageId: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The library's page query. Box and prediction counts are correlated subqueries over indexes (a few
 * hundred index seeks per page) rather than stored counters, so they can never drift from the boxes.
 */
export class ImageQuery {
  readonly #db: Database.Database;
  /** One prepared statement per distinct SQL text: there are few filter shapes, and many calls. */
  readonly #cache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  one(id: number, latestModelId: number | null): ImageInfo | undefined {
    return this.rows([id], latestModelId)[0];
  }

  /** The rows of these images (those that exist), in the order of `ids`. */
  rows(ids: readonly number[], latestModelId: number | null): ImageInfo[] {
    const rows = this.#stmt(
      `SELECT ${COLUMNS} FROM images i WHERE i.id IN (SELECT value FROM json_each(@ids))`,
    ).all({ ids: JSON.stringify(ids), model: latestModelId }) as Row[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return this.#withPreviews(ids.flatMap((id) => byId.get(id) ?? []));
  }

  /** Position of an image in a filtered, ordered list; null when the filter leaves it out. */
  locate(id: number, filter: ImageFilter, order: ImageOrder, latestModelId: number | null): number | null {
    const params: Params = { model: latestModelId, id };
    const where = whereClause(filter, params, 'count');
    const inList = this.#stmt(
      `SELECT 1 AS ok FROM images i ${where ? `${where} AND` : 'WHERE'} i.id = @id`,
    ).get(params);
    if (!inList) return null;
    const before = this.#stmt(
      `SELECT COUNT(*) AS n FROM images i, (SELECT uncertainty AS u FROM images WHERE id = @id) t ` +
        `${where ? `${where} AND` : 'WHERE'} ${BEFORE[order]}`,
    ).get(params) as { n: number };
    return before.n;
  }

  page(q: ListQuery): { total: number; items: ImageInfo[] } {
    const params: Params = { model: q.latestModelId };
    const items = this.#withPreviews(
      this.#stmt(
        `SELECT ${COLUMNS} FROM images i ${whereClause(q.filter, params, 'page')} ` +
          `ORDER BY ${ORDER_BY[q.order]} LIMIT @limit OFFSET @offset`,
      ).all({ ...params, limit: q.limit, offset: q.offset }) as Row[],
    );
    const onlyClass =
      q.filter.classId !== undefined && Object.values(q.filter).filter((v) => v !== undefined).length === 1;
    const countSql = onlyClass
      ? 'SELECT COUNT(DISTINCT image_id) AS n FROM boxes WHERE class_id = @classId'
      : `SELECT COUNT(*) AS n FROM images i ${whereClause(q.filter, params, 'count')}`;
    const total = (this.#stmt(countSql).get(params) as { n: number }).n;
    return { total, items };
  }

  /** Adds each row's thumbnail boxes, read for the whole page at once (one index range per image). */
  #withPreviews(rows: Row[]): ImageInfo[] {
    const preview = new Map<number, number[]>(rows.map((r) => [r.id, []]));
    const boxes = this.#stmt(
      `SELECT b.image_id AS imageId, b.class_id AS classId, b.x, b.y, b.w, b.h
       FROM json_each(@ids) j, boxes b
       WHERE b.id IN (SELECT id FROM boxes WHERE image_id = j.value ORDER BY id LIMIT ${PREVIEW_BOXES})
       ORDER BY b.image_id, b.id`,
    );
    const tenth = (v: number) => Math.round(v * 10) / 10;
    const ids = rows.filter((r) => r.boxCount > 0).map((r) => r.id);
    if (ids.length > 0) {
      for (const b of boxes.iterate({ ids: JSON.stringify(ids) }) as Iterable<BoxRow>) {
        preview.get(b.imageId)!.push(b.classId, tenth(b.x), tenth(b.y), tenth(b.w), tenth(b.h));
      }
    }
    return rows.map((r) => ({ ...r, preview: preview.get(r.id)! }));
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#cache.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#cache.set(sql, s);
    }
    return s;
  }
}

/**
 * The filter as SQL. The class condition is written per use (measured at 20,000 images): a page walks
 * the ORDER BY index and probes boxes_class per image (EXISTS), stopping after one page (0.2 ms); a
 * count reads the class's boxes once into a list (IN), faster than a probe for every image.
 */
function whereClause(f: ImageFilter, params: Params, use: 'page' | 'count'): string {
  const conds: string[] = [];
  if (f.status !== undefined) {
    conds.push('i.status = @status');
    params.status = f.status;
  }
  if (f.split !== undefined) {
    conds.push('i.split = @split');
    params.split = f.split;
  }
  if (f.classId !== undefined) {
    conds.push(
      use === 'page'
        ? 'EXISTS (SELECT 1 FROM boxes b WHERE b.class_id = @classId AND b.image_id = i.id)'
        : 'i.id IN (SELECT b.image_id FROM boxes b WHERE b.class_id = @classId)',
    );
    params.classId = f.classId;
  }
  if (f.hasPredictions !== undefined) {
    const exists = 'EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_id = @model)';
    conds.push(f.hasPredictions ? exists : `NOT ${exists}`);
  }
  if (f.hasProblem !== undefined) {
    conds.push(f.hasProblem ? 'i.problem IS NOT NULL' : 'i.problem IS NULL');
  }
  if (f.duplicates !== undefined) {
    // images_sha256 makes this one index probe per image.
    const dup = 'EXISTS (SELECT 1 FROM images d WHERE d.sha256 = i.sha256 AND d.id <> i.id)';
    conds.push(f.duplicates ? dup : `NOT ${dup}`);
  }
  if (f.search !== undefined && f.search.trim() !== '') {
    conds.push("i.file_name LIKE @search ESCAPE '\\'");
    params.search = `%${f.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
}
