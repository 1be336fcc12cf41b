import type { Migration } from './types';

/**
 * Models whose detections come from elsewhere: a COCO results file of another detector (the official
 * DW code on a GPU cluster, say) becomes a model of the project, reviewed and scored like our own. It
 * has predictions but no network (its `path` is empty); `origin` names the file it came from.
 */
export const importedModels: Migration = {
  version: 4,
  name: 'imported_models',
  sql: `
    ALTER TABLE models ADD COLUMN source TEXT NOT NULL DEFAULT 'trained'
      CHECK (source IN ('trained', 'imported'));
    ALTER TABLE models ADD COLUMN origin TEXT;
  `,
};
