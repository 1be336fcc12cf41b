import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { initial } from './001_initial';
import { training } from './002_training';
import { fileIdentity } from './003_file_identity';
import { importedModels } from './004_imported_models';
import type { Migration } from './types';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [initial, training, fileIdentity, importedModels];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the schema to SCHEMA_VERSION. All pending steps run in one transaction, so a crash or a
 * failing step leaves the file at the version it had; a file from a newer app is refused untouched.
 */
/** Refuses a file written by a newer app, before anything (even a pragma) touches it. */
export function assertNotNewer(
  db: Database.Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new AppError(
      'version_too_new',
      `${file} was saved by a newer version of DW Studio (project format ${current}; this version reads ` +
        `up to ${latest}). Update DW Studio to open it.`,
    );
  }
  return current;
}

export function migrate(
  db: Database.Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  const current = assertNotNewer(db, file, migrations);
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return current;
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      // user_version lives in the file header and is part of the transaction.
      db.pragma(`user_version = ${m.version}`);
    }
  })();
  return pending[pending.length - 1]!.version;
}
