import type { Migration } from './types';

/**
 * The first schema. Tables are STRICT so a wrong type is an error at the write, not a surprise at a
 * later read. Coordinates are BoxXYWH in pixels of the displayed image (EXIF orientation applied).
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
    CREATE TABLE project_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE classes (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      color      TEXT NOT NULL,
      hotkey     TEXT,
      created_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX classes_name ON classes (name COLLATE NOCASE);
    CREATE UNIQUE INDEX classes_hotkey ON classes (hotkey) WHERE hotkey IS NOT NULL;

    -- AUTOINCREMENT: an image id is never reused, so a URL or cache keyed by id never shows another image.
    CREATE TABLE images (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      path        TEXT NOT NULL UNIQUE,
      file_name   TEXT NOT NULL,
      sha256      TEXT NOT NULL,
      bytes       INTEGER NOT NULL,
      format      TEXT NOT NULL,
      width       INTEGER NOT NULL CHECK (width > 0),
      height      INTEGER NOT NULL CHECK (height > 0),
      orientation INTEGER NOT NULL DEFAULT 1 CHECK (orientation BETWEEN 1 AND 8),
      status      TEXT NOT NULL DEFAULT 'unlabeled' CHECK (status IN ('unlabeled', 'labeled', 'reviewed')),
      split       TEXT NOT NULL CHECK (split IN ('train', 'val')),
      problem     TEXT,
      uncertainty REAL,
      added_at    TEXT NOT NULL
    ) STRICT;
    CREATE INDEX images_sha256 ON images (sha256);
    CREATE INDEX images_name ON images (file_name COLLATE NOCASE, id);
    CREATE INDEX images_uncertainty ON images (uncertainty DESC, id);

    -- A class is never deleted under its boxes (no cascade): the user chooses what happens to them.
    CREATE TABLE boxes (
      id       INTEGER PRIMARY KEY,
      image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
      class_id INTEGER NOT NULL REFERENCES classes (id),
      x        REAL NOT NULL,
      y        REAL NOT NULL,
      w        REAL NOT NULL CHECK (w > 0),
      h        REAL NOT NULL CHECK (h > 0),
      source   TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'model')),
      score    REAL
    ) STRICT;
    CREATE INDEX boxes_image ON boxes (image_id);
    CREATE INDEX boxes_class ON boxes (class_id, image_id);

    CREATE TABLE runs (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at    TEXT NOT NULL,
      config        TEXT NOT NULL CHECK (json_valid(config)),
      snapshot_hash TEXT,
      backend       TEXT,
      status        TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      started_at    TEXT,
      finished_at   TEXT,
      error         TEXT
    ) STRICT;

    CREATE TABLE run_metrics (
      run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step    INTEGER NOT NULL,
      metrics TEXT NOT NULL CHECK (json_valid(metrics))
    ) STRICT;
    CREATE INDEX run_metrics_run ON run_metrics (run_id, step);

    CREATE TABLE models (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
      path       TEXT NOT NULL,
      metrics    TEXT CHECK (metrics IS NULL OR json_valid(metrics)),
      created_at TEXT NOT NULL
    ) STRICT;

    -- Model outputs, kept apart from labels: a prediction becomes a box only when the user accepts it.
    CREATE TABLE predictions (
      id       INTEGER PRIMARY KEY,
      model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
      class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
      x        REAL NOT NULL,
      y        REAL NOT NULL,
      w        REAL NOT NULL,
      h        REAL NOT NULL,
      score    REAL NOT NULL
    ) STRICT;
    CREATE INDEX predictions_image ON predictions (image_id, model_id);
    CREATE INDEX predictions_model ON predictions (model_id);
    CREATE INDEX predictions_class ON predictions (class_id);
  `,
};
