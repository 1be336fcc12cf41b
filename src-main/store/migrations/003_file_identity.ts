import type { Migration } from './types';

/**
 * What identifies an image's file besides its content hash, recorded when it is added: where the path
 * really leads (symbolic links resolved) and the file's modification time, next to its size (`bytes`).
 * The image routes serve a file only while these still match; otherwise they check the content again.
 * Older rows have NULL here and are checked by content on first use.
 */
export const fileIdentity: Migration = {
  version: 3,
  name: 'file_identity',
  sql: `
    ALTER TABLE images ADD COLUMN real_path TEXT;
    ALTER TABLE images ADD COLUMN mtime_ms REAL;
  `,
};
