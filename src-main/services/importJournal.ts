import { AppError } from '../shared/errors';
import type { ImportUndo } from '../store/importBatch';

interface Entry {
  undo: ImportUndo;
  /** The images the import added or changed, and their labels just after it (imageFingerprints). */
  touched: number[];
  after: string[];
}

/** Imports kept for undo: the last few, while the project stays open. */
const KEEP = 10;

/**
 * The imports of this session that can still be taken back, each as one step. An undo goes ahead only
 * while every image the import touched is as the import left it: a later edit is never undone with it.
 */
export class ImportJournal {
  readonly #entries = new Map<number, Entry>();
  #next = 1;

  record(undo: ImportUndo, touched: number[], after: string[]): number {
    const id = this.#next++;
    this.#entries.set(id, { undo, touched, after });
    for (const old of this.#entries.keys()) {
      if (this.#entries.size <= KEEP) break;
      this.#entries.delete(old);
    }
    return id;
  }

  /**
   * The import's undo, removed from the journal, once `now` (the touched images' labels today) shows
   * that nothing changed them since. `names` gives an image's file name for the message.
   */
  take(id: number, now: (ids: number[]) => string[], names: (id: number) => string): ImportUndo {
    const entry = this.#entries.get(id);
    if (!entry) {
      throw new AppError(
        'not_found',
        'That import can no longer be undone: it was undone already, or the project was closed since',
      );
    }
    const current = now(entry.touched);
    const edited = entry.touched.filter((_, i) => current[i] !== entry.after[i]);
    if (edited.length > 0) {
      throw new AppError(
        'conflict',
        `The import cannot be undone: ${edited.length} of its images changed since (${names(edited[0]!)}` +
          `${edited.length > 1 ? ', …' : ''}), and undoing it would lose those changes`,
      );
    }
    this.#entries.delete(id);
    return entry.undo;
  }
}
