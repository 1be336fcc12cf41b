import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src-main/shared/api/project';
import { BoxIds, diffBoxes, toLocal, type LocalBox } from '../../../src-renderer/lib/state/boxEdits';

const box = (id: number, x: number): Box => ({
  id,
  classId: 1,
  x,
  y: 0,
  w: 10,
  h: 10,
  source: 'manual',
  score: null,
});

describe('box edits by key', () => {
  it('names the boxes added, changed and removed between two lists, and only those', () => {
    const [a, b, c] = [box(7, 0), box(8, 20), box(9, 40)].map(toLocal) as [LocalBox, LocalBox, LocalBox];
    const added = toLocal(box(0, 60));
    const d = diffBoxes([a, b, c], [a, { ...b, x: 25 }, added]);
    expect(d.add).toEqual([added]);
    expect(d.update).toEqual([{ ...b, x: 25 }]);
    expect(d.remove).toEqual([c]);
    // A copy with the same values is no change.
    expect(diffBoxes([a], [{ ...a }])).toEqual({ add: [], update: [], remove: [] });
  });

  it('asks for a deleted box’s own id back when its deletion is undone', () => {
    const saved = [box(7, 0), box(8, 20)];
    const local = saved.map(toLocal);
    const ids = new BoxIds();
    ids.reset(local, saved);
    const removed = diffBoxes(local, [local[0]!]);
    expect(ids.request(3, removed)).toEqual({ imageId: 3, add: [], update: [], delete: [8] });
    const undone = diffBoxes([local[0]!], local);
    expect(ids.request(3, undone).add).toEqual([
      { id: 8, classId: 1, x: 20, y: 0, w: 10, h: 10, source: 'manual', score: null },
    ]);
    // A new box has no id to ask for until its save answers with one.
    const fresh = toLocal(box(0, 50));
    const added = diffBoxes(local, [...local, fresh]);
    expect(ids.request(3, added).add![0]).not.toHaveProperty('id');
    ids.saved(added, { added: [box(12, 50)], updated: [], image: {} as never });
    expect(ids.idOf(fresh.key)).toBe(12);
  });
});
