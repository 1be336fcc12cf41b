import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { AppError } from '../shared/errors';
import { assertNotNewer, migrate } from './migrations';

/** 'DWS1' in the SQLite header: tells a project file from any other SQLite database. */
export const APPLICATION_ID = 0x44575331;

export type OpenMode = 'create' | 'open';

/**
 * Opens (or creates) a project database with the pragmas every connection needs, and migrates it.
 * Failures the user can act on (missing file, not a project, too new) are AppErrors.
 */
export function openDatabase(file: string, mode: OpenMode): Database.Database {
  if (mode === 'open' && !existsSync(file)) throw new AppError('not_found', `No project file at ${file}`);
  if (mode === 'create' && existsSync(file)) {
    throw new AppError('conflict', `A file already exists at ${file}`);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: mode === 'open' });
  } catch (e) {
    throw new AppError('io_error', `Cannot open ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    if (mode === 'create') {
      db.pragma(`application_id = ${APPLICATION_ID}`);
    } else {
      checkIsProject(db, file);
      assertNotNewer(db, file);
    }
    // WAL: readers never block the writer and a commit appends instead of rewriting pages.
    // synchronous=NORMAL: a commit is in the WAL (the OS's keeping) when the call returns, so a crash
    // or kill of the app loses nothing; the WAL reaches the disk itself at the next checkpoint, which
    // the app runs every half second when there is something to checkpoint (ProjectStore.checkpoint).
    // FULL would sync the WAL at every commit: measured 0.2–4 ms per save on these disks.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoints belong to idle time, not to whichever save happens to cross 1,000 pages (the default,
    // a 15–20 ms stall); this is only the backstop for long runs of writes with no idle moment.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function checkIsProject(db: Database.Database, file: string): void {
  let appId: number;
  try {
    appId = db.pragma('application_id', { simple: true }) as number;
  } catch (e) {
    throw new AppError('invalid_data', `${file} is not a DW Studio project (not an SQLite database)`, {
      cause: e,
    });
  }
  if (appId !== APPLICATION_ID) {
    throw new AppError('invalid_data', `${file} is not a DW Studio project (an SQLite file of another app)`);
  }
}
