import type Database from 'better-sqlite3';
import type { ProjectStats } from '../shared/api/project';

/** Counts for the dashboard and the Train view; two aggregate queries. */
export function projectStats(db: Database.Database): ProjectStats {
  const images = db
    .prepare(
      `SELECT COUNT(*) AS total,
              COALESCE(SUM(status = 'unlabeled'), 0) AS unlabeled,
              COALESCE(SUM(status = 'labeled'), 0) AS labeled,
              COALESCE(SUM(status = 'reviewed'), 0) AS reviewed,
              COALESCE(SUM(split = 'train'), 0) AS train,
              COALESCE(SUM(split = 'val'), 0) AS val,
              COALESCE(SUM(problem IS NOT NULL), 0) AS withProblems
       FROM images`,
    )
    .get() as ProjectStats['images'];
  const boxesPerClass = db
    .prepare(
      `SELECT c.id AS classId, c.name,
              COALESCE(SUM(i.split = 'train'), 0) AS train,
              COALESCE(SUM(i.split = 'val'), 0) AS val
       FROM classes c
       LEFT JOIN boxes b ON b.class_id = c.id
       LEFT JOIN images i ON i.id = b.image_id
       GROUP BY c.id ORDER BY c.id`,
    )
    .all() as ProjectStats['boxesPerClass'];
  return { images, boxesPerClass };
}
