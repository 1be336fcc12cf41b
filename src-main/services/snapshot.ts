import { createHash } from 'node:crypto';
import type { Snapshot, SnapshotImage } from '../training/protocol';
import type { ProjectSession } from './session';

/**
 * The frozen dataset a job trains or evaluates on: labeled images (status labeled or reviewed, no file
 * problem) with their boxes, taken in one read. Labeling during training cannot change it.
 */
export function buildSnapshot(session: ProjectSession): Snapshot {
  const store = session.store;
  const classes = store.classes.list().map((c) => ({ id: c.id, name: c.name }));
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const byImage = store.boxes.byImage();
  const train: SnapshotImage[] = [];
  const val: SnapshotImage[] = [];
  for (const im of store.images.files()) {
    if (im.problem || im.status === 'unlabeled') continue;
    const boxes = byImage.get(im.id) ?? [];
    const entry: SnapshotImage = {
      id: im.id,
      path: session.absolutePath(im.path),
      width: im.width,
      height: im.height,
      boxes: boxes.map((b) => [b.x, b.y, b.w, b.h] as [number, number, number, number]),
      labels: boxes.map((b) => index.get(b.classId)!),
    };
    (im.split === 'val' ? val : train).push(entry);
  }
  const hash = createHash('sha256').update(JSON.stringify({ classes, train, val })).digest('hex');
  return { classes, train, val, hash };
}
