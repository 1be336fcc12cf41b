import type Database from 'better-sqlite3';
import { BoxRepo } from './boxes';
import { ClassRepo } from './classes';
import { openDatabase } from './database';
import { ImageRepo } from './images';
import {
  applyImport,
  imageFingerprints,
  undoImport,
  type ImportApplied,
  type ImportPlan,
  type ImportUndo,
} from './importBatch';
import { MetaRepo } from './meta';
import { SCHEMA_VERSION } from './migrations';
import { projectStats } from './stats';
import { TrainingRepo } from './training';
import type { ProjectStats } from '../shared/api/project';

export interface ProjectCounts {
  images: number;
  classes: number;
  boxes: number;
}

/** One open project database: the only writer of its file, with one repository per table group. */
export class ProjectStore {
  readonly db: Database.Database;
  readonly file: string;
  readonly meta: MetaRepo;
  readonly images: ImageRepo;
  readonly boxes: BoxRepo;
  readonly classes: ClassRepo;
  readonly training: TrainingRepo;
  readonly schemaVersion = SCHEMA_VERSION;
  readonly #latestModel: Database.Statement<[], { id: number | null }>;
  readonly #imageCount: Database.Statement<[], { n: number }>;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.meta = new MetaRepo(db);
    this.images = new ImageRepo(db);
    this.boxes = new BoxRepo(db);
    this.classes = new ClassRepo(db);
    this.training = new TrainingRepo(db);
    this.#latestModel = db.prepare('SELECT MAX(model_id) AS id FROM predictions');
    this.#imageCount = db.prepare('SELECT COUNT(*) AS n FROM images');
  }

  static create(file: string, init: { name: string; appVersion: string }): ProjectStore {
    const store = new ProjectStore(openDatabase(file, 'create'), file);
    store.db.transaction(() => {
      store.meta.set('name', init.name);
      store.meta.set('created_at', new Date().toISOString());
      store.meta.set('created_by', init.appVersion);
    })();
    return store;
  }

  static open(file: string): ProjectStore {
    return new ProjectStore(openDatabase(file, 'open'), file);
  }

  name(): string {
    return this.meta.get('name') ?? '';
  }

  counts(): ProjectCounts {
    return { images: this.#imageCount.get()!.n, classes: this.classes.count(), boxes: this.boxes.count() };
  }

  /** The model whose predictions the library shows: the newest one that predicted anything. */
  latestModelId(): number | null {
    return this.#latestModel.get()!.id;
  }

  stats(): ProjectStats {
    return projectStats(this.db);
  }

  applyImport(plan: ImportPlan): ImportApplied {
    return applyImport(this.db, this, plan);
  }

  undoImport(undo: ImportUndo): { keptClasses: number } {
    return undoImport(this.db, undo);
  }

  imageFingerprints(ids: readonly number[]): string[] {
    return imageFingerprints(this.db, ids);
  }

  /**
   * Copies committed pages from the WAL into the database file, syncing both: after it, every edit so
   * far survives a power cut too. Cheap when there is nothing new; never waits for readers (PASSIVE).
   */
  checkpoint(): void {
    if (this.db.open && !this.db.inTransaction) this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
