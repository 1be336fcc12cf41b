import type Database from 'better-sqlite3';
import type { EvalSummary, RunState, StepMetrics, TrainProfile } from '../shared/api/training';

/** What a finished (or stopped) run leaves besides its metrics. */
export interface RunSummary {
  backend: string | null;
  device: string | null;
  trainImages: number;
  valImages: number;
  steps: number;
  durationSec: number;
  imagesPerSec: number | null;
  AP: number | null;
  AP50: number | null;
  /** The run's length in steps, fixed when it started (from its budget). */
  totalSteps?: number | null;
  /** Images the run could not decode and went on without. */
  skippedImages?: Array<{ imageId: number; path: string; reason: string }>;
  profile?: TrainProfile | null;
}

export interface RunRow {
  id: number;
  createdAt: string;
  config: string;
  snapshotHash: string | null;
  backend: string | null;
  status: RunState;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  summary: string | null;
  modelId: number | null;
}

export interface ModelRow {
  id: number;
  runId: number | null;
  name: string | null;
  path: string;
  metrics: string | null;
  createdAt: string;
  config: string | null;
  /** 'imported': detections read from a results file; no network (`path` is empty). */
  source: 'trained' | 'imported';
  /** The results file an imported model came from, else null. */
  origin: string | null;
}

export interface PredictionRow {
  id: number;
  modelId: number;
  imageId: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  state: 'pending' | 'accepted' | 'rejected';
}

export type NewPrediction = Omit<PredictionRow, 'id' | 'state' | 'modelId'>;

const RUN_COLUMNS = `r.id, r.created_at AS createdAt, r.config, r.snapshot_hash AS snapshotHash, r.backend,
  r.status, r.started_at AS startedAt, r.finished_at AS finishedAt, r.error, r.summary,
  (SELECT MAX(m.id) FROM models m WHERE m.run_id = r.id) AS modelId`;

/** Runs, their metrics, models and predictions: everything training writes back into the project. */
export class TrainingRepo {
  readonly #db: Database.Database;
  readonly #insertRun: Database.Statement;
  readonly #runs: Database.Statement<[], RunRow>;
  readonly #run: Database.Statement<[number], RunRow>;
  readonly #metric: Database.Statement<[number, number, string]>;
  readonly #metrics: Database.Statement<[number], { metrics: string }>;
  readonly #insertModel: Database.Statement;
  readonly #models: Database.Statement<[], ModelRow>;
  readonly #model: Database.Statement<[number], ModelRow>;
  readonly #clearPredictions: Database.Statement<[number, number]>;
  readonly #insertPrediction: Database.Statement;
  readonly #markPredicted: Database.Statement<[number, number, string]>;
  readonly #predictionsOf: Database.Statement<[number, number], PredictionRow>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insertRun = db.prepare(
      `INSERT INTO runs (created_at, config, snapshot_hash, status) VALUES (@createdAt, @config, @snapshotHash, 'queued')`,
    );
    this.#runs = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r ORDER BY r.id DESC`);
    this.#run = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`);
    this.#metric = db.prepare('INSERT INTO run_metrics (run_id, step, metrics) VALUES (?, ?, ?)');
    this.#metrics = db.prepare('SELECT metrics FROM run_metrics WHERE run_id = ? ORDER BY rowid');
    this.#insertModel = db.prepare(
      `INSERT INTO models (run_id, path, metrics, created_at, name) VALUES (@runId, @path, @metrics, @createdAt, @name)`,
    );
    const modelColumns = `m.id, m.run_id AS runId, m.name, m.path, m.metrics, m.created_at AS createdAt,
      m.source, m.origin,
      (SELECT r.config FROM runs r WHERE r.id = m.run_id) AS config`;
    this.#models = db.prepare(`SELECT ${modelColumns} FROM models m ORDER BY m.id DESC`);
    this.#model = db.prepare(`SELECT ${modelColumns} FROM models m WHERE m.id = ?`);
    this.#clearPredictions = db.prepare('DELETE FROM predictions WHERE model_id = ? AND image_id = ?');
    this.#insertPrediction = db.prepare(
      `INSERT INTO predictions (model_id, image_id, class_id, x, y, w, h, score)
       VALUES (@modelId, @imageId, @classId, @x, @y, @w, @h, @score)`,
    );
    this.#markPredicted = db.prepare(
      `INSERT INTO predicted_images (model_id, image_id, predicted_at) VALUES (?, ?, ?)
       ON CONFLICT (model_id, image_id) DO UPDATE SET predicted_at = excluded.predicted_at`,
    );
    this.#predictionsOf = db.prepare(
      `SELECT id, model_id AS modelId, image_id AS imageId, class_id AS classId, x, y, w, h, score, state
       FROM predictions WHERE model_id = ? AND image_id = ? ORDER BY score DESC, id`,
    );
  }

  createRun(config: object, snapshotHash: string): number {
    return Number(
      this.#insertRun.run({
        createdAt: new Date().toISOString(),
        config: JSON.stringify(config),
        snapshotHash,
      }).lastInsertRowid,
    );
  }

  setRunState(
    id: number,
    state: RunState,
    change: { backend?: string | null; error?: string | null } = {},
  ): void {
    const now = new Date().toISOString();
    this.#db
      .prepare(
        `UPDATE runs SET status = @state,
           backend = COALESCE(@backend, backend),
           error = @error,
           started_at = CASE WHEN @state = 'running' AND started_at IS NULL THEN @now ELSE started_at END,
           finished_at = CASE WHEN @state IN ('done', 'failed', 'cancelled') THEN @now ELSE NULL END
         WHERE id = @id`,
      )
      .run({ id, state, backend: change.backend ?? null, error: change.error ?? null, now });
  }

  setRunSummary(id: number, summary: RunSummary): void {
    this.#db.prepare('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id);
  }

  runs(): RunRow[] {
    return this.#runs.all();
  }

  run(id: number): RunRow | undefined {
    return this.#run.get(id);
  }

  /** Runs left 'running' by an app that stopped (crash, power loss): they are stopped now. */
  stopOrphanRuns(): number {
    return this.#db
      .prepare(
        `UPDATE runs SET status = 'cancelled', error = 'DW Studio stopped while this run was training',
           finished_at = ? WHERE status IN ('queued', 'running')`,
      )
      .run(new Date().toISOString()).changes;
  }

  addMetric(
    runId: number,
    step: number,
    entry: { type: 'step'; metrics: StepMetrics } | { type: 'eval'; summary: EvalSummary },
  ): void {
    this.#metric.run(runId, step, JSON.stringify(entry));
  }

  metrics(
    runId: number,
  ): Array<{ type: 'step'; metrics: StepMetrics } | { type: 'eval'; summary: EvalSummary }> {
    return this.#metrics.all(runId).map((r) => JSON.parse(r.metrics));
  }

  /** Drops metrics past `step` (a resumed run replays the steps after its checkpoint). */
  truncateMetrics(runId: number, step: number): void {
    this.#db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }

  createModel(m: { runId: number; path: string; metrics: object | null; name: string }): number {
    return Number(
      this.#insertModel.run({
        ...m,
        metrics: m.metrics && JSON.stringify(m.metrics),
        createdAt: new Date().toISOString(),
      }).lastInsertRowid,
    );
  }

  /** A model made from a results file: no run, no network, only the predictions stored with it. */
  createImportedModel(m: { name: string; origin: string }): number {
    return Number(
      this.#db
        .prepare(
          `INSERT INTO models (run_id, path, metrics, created_at, name, source, origin)
           VALUES (NULL, '', NULL, ?, ?, 'imported', ?)`,
        )
        .run(new Date().toISOString(), m.name, m.origin).lastInsertRowid,
    );
  }

  /**
   * An imported model with its predictions over `imageIds` (and the images' uncertainty), in one
   * transaction: the whole file becomes a model, or nothing changes.
   */
  addImportedModel(
    m: { name: string; origin: string },
    imageIds: readonly number[],
    predictions: readonly NewPrediction[],
    uncertainty: ReadonlyMap<number, number>,
  ): number {
    return this.#db.transaction(() => {
      const id = this.createImportedModel(m);
      this.savePredictions(id, imageIds, predictions);
      this.setUncertainty(uncertainty);
      return id;
    })();
  }

  models(): ModelRow[] {
    return this.#models.all();
  }

  model(id: number): ModelRow | undefined {
    return this.#model.get(id);
  }

  /** Replaces a model's predictions on some images, in one transaction (a batch of the predict job). */
  savePredictions(modelId: number, imageIds: readonly number[], predictions: readonly NewPrediction[]): void {
    const now = new Date().toISOString();
    this.#db.transaction(() => {
      for (const id of imageIds) {
        this.#clearPredictions.run(modelId, id);
        this.#markPredicted.run(modelId, id, now);
      }
      for (const p of predictions) this.#insertPrediction.run({ ...p, modelId });
    })();
  }

  predictions(modelId: number, imageId: number): PredictionRow[] {
    return this.#predictionsOf.all(modelId, imageId);
  }

  /** Every prediction of a model, for export and evaluation. */
  allPredictions(modelId: number, imageIds?: readonly number[]): PredictionRow[] {
    const rows = this.#db
      .prepare(
        `SELECT id, model_id AS modelId, image_id AS imageId, class_id AS classId, x, y, w, h, score, state
         FROM predictions WHERE model_id = ? ORDER BY image_id, score DESC, id`,
      )
      .all(modelId) as PredictionRow[];
    if (!imageIds) return rows;
    const keep = new Set(imageIds);
    return rows.filter((r) => keep.has(r.imageId));
  }

  /** The newest model that has predicted this image (found something or not), or null. */
  latestPredictingModel(imageId: number): number | null {
    const row = this.#db
      .prepare('SELECT MAX(model_id) AS id FROM predicted_images WHERE image_id = ?')
      .get(imageId) as { id: number | null };
    return row.id;
  }

  predictedImageIds(modelId: number): number[] {
    return (
      this.#db
        .prepare('SELECT image_id AS id FROM predicted_images WHERE model_id = ? ORDER BY image_id')
        .all(modelId) as Array<{
        id: number;
      }>
    ).map((r) => r.id);
  }

  resolvePredictions(ids: readonly number[], state: 'accepted' | 'rejected' | 'pending'): void {
    const stmt = this.#db.prepare('UPDATE predictions SET state = ? WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) stmt.run(state, id);
    })();
  }

  setUncertainty(values: ReadonlyMap<number, number>): void {
    const stmt = this.#db.prepare('UPDATE images SET uncertainty = ? WHERE id = ?');
    this.#db.transaction(() => {
      for (const [id, u] of values) stmt.run(u, id);
    })();
  }
}
