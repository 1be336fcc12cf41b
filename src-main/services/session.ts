import path from 'node:path';
import type { ProjectInfo } from '../shared/api/project';
import { AppError } from '../shared/errors';
import type { ProjectCounts, ProjectStore } from '../store/projectStore';
import type { ImageVerdict } from '../imaging/verify';
import { ImportJournal } from './importJournal';
import { dataDirFor, toAbsolutePath, toStoredPath } from './projectPaths';
import { ThumbnailCache } from './thumbnails';

const CHECKPOINT_MS = 500;

/** The open project: its store, its folders, its counts, and the background work running for it. */
export class ProjectSession {
  readonly store: ProjectStore;
  readonly file: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly thumbs: ThumbnailCache;
  /** Kept in step with every write, so ProjectInfo costs nothing to send after an edit. */
  counts: ProjectCounts;
  /** This session's imports that can still be undone. */
  readonly imports = new ImportJournal();
  /** Full-decode results by content, so a preview and the import after it decode each file once. */
  readonly verdicts = new Map<string, ImageVerdict>();
  readonly #closing = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  /** Makes recent edits durable on disk within half a second, off the path of any save. */
  readonly #checkpoints: NodeJS.Timeout;

  constructor(store: ProjectStore, file: string) {
    this.store = store;
    this.file = file;
    this.dir = path.dirname(file);
    this.dataDir = dataDirFor(file);
    this.thumbs = new ThumbnailCache(this.dataDir);
    this.counts = store.counts();
    this.#checkpoints = setInterval(() => {
      try {
        store.checkpoint();
      } catch (e) {
        console.error('checkpoint failed:', e);
      }
    }, CHECKPOINT_MS).unref();
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Long operations call this between steps: a project closed under them stops them cleanly. */
  checkOpen(): void {
    if (this.closed) throw new AppError('cancelled', 'The project was closed');
  }

  info(): ProjectInfo {
    return {
      path: this.file,
      name: this.store.name(),
      dataDir: this.dataDir,
      imageCount: this.counts.images,
      classCount: this.counts.classes,
      boxCount: this.counts.boxes,
      schemaVersion: this.store.schemaVersion,
    };
  }

  refreshCounts(): void {
    this.counts = this.store.counts();
  }

  absolutePath(stored: string): string {
    return toAbsolutePath(this.dir, stored);
  }

  storedPath(abs: string): string {
    return toStoredPath(this.dir, abs);
  }

  /** Work that outlives the call that started it (file checks); awaited by `idle` and `close`. */
  background(work: (signal: AbortSignal) => Promise<void>): void {
    const task = work(this.#closing.signal)
      .catch((e: unknown) => {
        if (!this.closed) console.error('background task failed:', e);
      })
      .finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    await this.thumbs.idle();
  }

  async close(): Promise<void> {
    this.#closing.abort();
    clearInterval(this.#checkpoints);
    await this.idle();
    this.store.close();
  }
}
