import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/errors';
import { assertNotNewer, migrate } from './migrations';

/** 'DWS1' in the SQLite header: tells a project file from any other SQLite database. */
export const APPLICATION_ID = 0x44575331;

export type OpenMode = 'create' | 'open';

/** better-sqlite3's native addon to load instead of the package's own build; undefined: its own. */
let binding: { file: string; loaded: boolean } | undefined;

/**
 * Loads better-sqlite3's addon from `file` for every database opened from now on. `npm start` builds
 * one for Electron's ABI beside node_modules, whose own build is Node's (tests, CLI); packaged apps are
 * rebuilt for Electron by electron-builder and pass nothing. `undefined` restores the package's build.
 */
export function useSqliteBinding(file: string | undefined): void {
  binding = file === undefined ? undefined : { file: path.resolve(file), loaded: false };
}

/** The constructor options that pick the addon; a file that will not load is an AppError naming it. */
function bindingOptions(): Database.Options {
  if (!binding) return {};
  if (!binding.loaded) {
    try {
      new Database(':memory:', { nativeBinding: binding.file }).close();
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      throw new AppError('internal', `Cannot load the SQLite addon ${binding.file}: ${reason}`, { cause: e });
    }
    binding.loaded = true;
  }
  return { nativeBinding: binding.file };
}

/**
 * Opens (or creates) a project database with the pragmas every connection needs, and migrates it.
 * Failures the user can act on (missing file, not a project, too new) are AppErrors.
 */
export function openDatabase(file: string, mode: OpenMode): Database.Database {
  if (mode === 'open' && !existsSync(file)) throw new AppError('not_found', `No project file at ${file}`);
  if (mode === 'create' && existsSync(file)) {
    throw new AppError('conflict', `A file already exists at ${file}`);
  }
  const native = bindingOptions();
  let db: Database.Database;
  try {
    db = new Database(file, { ...native, fileMustExist: mode === 'open' });
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
