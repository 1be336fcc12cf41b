import type { Migration } from './types';

/**
 * What training, prediction and review need beyond the first schema: a suggestion's state (a
 * prediction is pending until the user accepts or rejects it), a run's summary, and which images a
 * model has predicted (an image where it found nothing has no prediction row, yet it was looked at).
 */
export const training: Migration = {
  version: 2,
  name: 'training',
  sql: `
    ALTER TABLE predictions ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
      CHECK (state IN ('pending', 'accepted', 'rejected'));
    ALTER TABLE runs ADD COLUMN summary TEXT CHECK (summary IS NULL OR json_valid(summary));
    ALTER TABLE models ADD COLUMN name TEXT;

    CREATE TABLE predicted_images (
      model_id     INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
      image_id     INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
      predicted_at TEXT NOT NULL,
      PRIMARY KEY (model_id, image_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX predicted_images_image ON predicted_images (image_id);
  `,
};
