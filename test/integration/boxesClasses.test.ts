import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, startServices, type Harness } from './support/harness';

let h: Harness;
let imageId: number;
beforeEach(async () => {
  h = startServices();
  await h.call('project.create', { path: path.join(h.dir, 'p.dwproj') });
  await h.call('images.add', { paths: [path.join(FIXTURES, 'bccd', 'images', 'BloodImage_00066.jpg')] });
  imageId = (await h.call('images.list')).items[0]!.id;
});
afterEach(() => h.dispose());

describe('boxes', () => {
  it('replaces the boxes of an image, labels it, and tells the UI', async () => {
    const cell = await h.call('classes.add', { name: 'cell' });
    const saved = await h.call('boxes.replace', {
      imageId,
      boxes: [
        { classId: cell.id, x: 10, y: 20, w: 30, h: 40 },
        { classId: cell.id, x: 1, y: 2, w: 3, h: 4, source: 'model', score: 0.75 },
      ],
    });
    expect(saved).toEqual([
      { id: expect.any(Number), classId: cell.id, x: 10, y: 20, w: 30, h: 40, source: 'manual', score: null },
      { id: expect.any(Number), classId: cell.id, x: 1, y: 2, w: 3, h: 4, source: 'model', score: 0.75 },
    ]);
    expect(await h.call('boxes.get', { imageId })).toEqual(saved);
    expect((await h.call('images.get', { id: imageId })).status).toBe('labeled');
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: [imageId] });
    expect(h.eventsOf('project.changed').at(-1)!.project).toMatchObject({ boxCount: 2, imageCount: 1 });

    await h.call('boxes.replace', { imageId, boxes: [{ classId: cell.id, x: 0, y: 0, w: 5, h: 5 }] });
    expect(h.eventsOf('project.changed').at(-1)!.project!.boxCount).toBe(1);
    expect((await h.call('project.current'))!.boxCount).toBe(1);
  });

  it('clips a box dragged past the edge, and refuses one outside, an unknown class or image', async () => {
    const cell = await h.call('classes.add', { name: 'cell' });
    const [clipped] = await h.call('boxes.replace', {
      imageId,
      boxes: [{ classId: cell.id, x: -5, y: 470, w: 20, h: 30 }],
    });
    expect(clipped).toMatchObject({ x: 0, y: 470, w: 15, h: 10 });
    await expect(
      h.call('boxes.replace', { imageId, boxes: [{ classId: cell.id, x: 700, y: 10, w: 5, h: 5 }] }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'boxes[0]: the box lies outside the 640×480 image',
    });
    await expect(
      h.call('boxes.replace', { imageId, boxes: [{ classId: 77, x: 1, y: 1, w: 5, h: 5 }] }),
    ).rejects.toMatchObject({ code: 'invalid_request', message: 'boxes[0]: no class with id 77' });
    await expect(h.call('boxes.replace', { imageId: 99, boxes: [] })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      h.call('boxes.replace', { imageId, boxes: [{ classId: cell.id, x: 1, y: 1, w: -5, h: 5 }] }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await h.call('boxes.get', { imageId })).toEqual([clipped]);
  });
});

describe('box edits by id', () => {
  it('adds, updates and deletes by id: the other boxes keep their ids, and the reply carries the row', async () => {
    const cell = await h.call('classes.add', { name: 'cell' });
    const other = await h.call('classes.add', { name: 'other' });
    const first = await h.call('boxes.edit', {
      imageId,
      add: [
        { classId: cell.id, x: 10, y: 20, w: 30, h: 40 },
        { classId: cell.id, x: 100, y: 100, w: 10, h: 10, source: 'model', score: 0.5 },
        { classId: other.id, x: 630, y: 470, w: 30, h: 30 },
      ],
    });
    const [a, b, c] = first.added;
    // Clipped to the 640 × 480 image on the way in, by the same rule as everywhere else.
    expect(c).toMatchObject({ x: 630, y: 470, w: 10, h: 10 });
    expect(first.image).toMatchObject({ id: imageId, boxCount: 3, status: 'labeled' });
    expect(first.image.preview).toEqual([
      cell.id,
      10,
      20,
      30,
      40,
      cell.id,
      100,
      100,
      10,
      10,
      other.id,
      630,
      470,
      10,
      10,
    ]);
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: [imageId] });
    expect(h.eventsOf('project.changed').at(-1)!.project!.boxCount).toBe(3);

    const moved = await h.call('boxes.edit', {
      imageId,
      update: [{ id: b!.id, classId: other.id, x: 200, y: 210, w: 12, h: 14 }],
    });
    // The source and the score of an accepted suggestion stay with the box it became.
    expect(moved.updated).toEqual([{ ...b, classId: other.id, x: 200, y: 210, w: 12, h: 14 }]);
    expect(moved.added).toEqual([]);
    const removed = await h.call('boxes.edit', { imageId, delete: [a!.id] });
    expect(removed.image.boxCount).toBe(2);
    expect((await h.call('boxes.get', { imageId })).map((x) => x.id)).toEqual([b!.id, c!.id]);

    // Undo of the delete: the box comes back under its own id.
    const restored = await h.call('boxes.edit', {
      imageId,
      add: [{ id: a!.id, classId: a!.classId, x: a!.x, y: a!.y, w: a!.w, h: a!.h }],
    });
    expect(restored.added).toEqual([a]);
    expect(await h.call('boxes.get', { imageId })).toEqual([a, moved.updated[0], c]);
    expect((await h.call('project.current'))!.boxCount).toBe(3);
  });

  it('gives a new id when the asked one is taken, and refuses boxes of another image in one piece', async () => {
    const cell = await h.call('classes.add', { name: 'cell' });
    await h.call('images.add', { paths: [path.join(FIXTURES, 'bccd', 'images', 'BloodImage_00087.jpg')] });
    const second = (await h.call('images.list')).items.find((i) => i.id !== imageId)!.id;
    const [mine] = (
      await h.call('boxes.edit', { imageId, add: [{ classId: cell.id, x: 1, y: 1, w: 5, h: 5 }] })
    ).added;
    const [theirs] = (
      await h.call('boxes.edit', { imageId: second, add: [{ classId: cell.id, x: 1, y: 1, w: 5, h: 5 }] })
    ).added;
    const again = await h.call('boxes.edit', {
      imageId,
      add: [{ id: theirs!.id, classId: cell.id, x: 2, y: 2, w: 5, h: 5 }],
    });
    expect(again.added[0]!.id).not.toBe(theirs!.id);
    await expect(
      h.call('boxes.edit', { imageId, update: [{ ...theirs!, x: 50 }], delete: [mine!.id] }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: `Box ${theirs!.id} is not a box of image ${imageId}`,
    });
    await expect(
      h.call('boxes.edit', { imageId, delete: [mine!.id], add: [{ classId: 99, x: 1, y: 1, w: 5, h: 5 }] }),
    ).rejects.toMatchObject({ code: 'invalid_request', message: 'add[0]: no class with id 99' });
    // Nothing of a refused edit was written.
    expect((await h.call('boxes.get', { imageId })).map((b) => b.id)).toEqual([mine!.id, again.added[0]!.id]);
    expect((await h.call('boxes.get', { imageId: second }))[0]).toEqual(theirs);
  });

  it('reads rows by id and finds an image in a filtered, ordered list', async () => {
    for (const f of ['BloodImage_00087.jpg', 'BloodImage_00132.jpg']) {
      await h.call('images.add', { paths: [path.join(FIXTURES, 'bccd', 'images', f)] });
    }
    const list = (await h.call('images.list')).items;
    expect(list.map((i) => i.fileName)).toEqual([
      'BloodImage_00066.jpg',
      'BloodImage_00087.jpg',
      'BloodImage_00132.jpg',
    ]);
    const rows = await h.call('images.rows', { ids: [list[2]!.id, 999, list[0]!.id] });
    expect(rows).toEqual([list[2], list[0]]);
    for (const [i, image] of list.entries()) {
      expect(await h.call('images.locate', { id: image.id })).toEqual({ index: i });
    }
    const last = list[2]!.id;
    expect(await h.call('images.locate', { id: last, filter: { search: '132' } })).toEqual({ index: 0 });
    expect(await h.call('images.locate', { id: last, filter: { search: '066' } })).toEqual({ index: null });
    await h.call('images.setStatus', { ids: [list[0]!.id], status: 'reviewed' });
    expect(await h.call('images.locate', { id: last, filter: { status: 'unlabeled' } })).toEqual({
      index: 1,
    });
    // Most uncertain first: never-predicted images come last, in id order.
    expect(await h.call('images.locate', { id: last, order: 'uncertainty' })).toEqual({ index: 2 });
  });
});

describe('classes', () => {
  it('adds classes with their own colour and the next free digit as hotkey', async () => {
    const a = await h.call('classes.add', { name: 'RBC' });
    const b = await h.call('classes.add', { name: 'WBC', color: '#123456' });
    const c = await h.call('classes.add', { name: 'Platelets', hotkey: null });
    const d = await h.call('classes.add', { name: 'Other' });
    expect([a, b, c, d].map((x) => [x.name, x.color, x.hotkey, x.boxCount])).toEqual([
      ['RBC', '#e6194b', '1', 0],
      ['WBC', '#123456', '2', 0],
      ['Platelets', '#3cb44b', null, 0],
      ['Other', '#ffe119', '3', 0],
    ]);
    expect(h.eventsOf('classes.changed')).toHaveLength(4);
    await expect(h.call('classes.add', { name: 'rbc' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'A class named "RBC" already exists',
    });
    await expect(h.call('classes.add', { name: 'New', hotkey: '2' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'The hotkey 2 already selects the class "WBC"',
    });
  });

  it('renames, recolours and re-keys a class', async () => {
    const a = await h.call('classes.add', { name: 'RBC' });
    await h.call('classes.add', { name: 'WBC' });
    expect(
      await h.call('classes.update', { id: a.id, name: 'red cell', color: '#ff0000', hotkey: 'r' }),
    ).toMatchObject({ name: 'red cell', color: '#ff0000', hotkey: 'r' });
    expect(await h.call('classes.update', { id: a.id, name: 'Red Cell', hotkey: null })).toMatchObject({
      name: 'Red Cell',
      hotkey: null,
    });
    await expect(h.call('classes.update', { id: a.id, name: 'wbc' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(h.call('classes.update', { id: 99, name: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(h.call('classes.update', { id: a.id, hotkey: 'ab' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('merges a class into another, and deletes a class with the choice made about its boxes', async () => {
    const [a, b, c] = [
      await h.call('classes.add', { name: 'a' }),
      await h.call('classes.add', { name: 'b' }),
      await h.call('classes.add', { name: 'c' }),
    ];
    const box = (classId: number) => ({ classId, x: 1, y: 1, w: 5, h: 5 });
    await h.call('boxes.replace', { imageId, boxes: [box(a.id), box(b.id), box(c.id), box(c.id)] });

    await h.call('classes.merge', { sourceId: a.id, targetId: b.id });
    expect((await h.call('classes.list')).map((x) => [x.name, x.boxCount])).toEqual([
      ['b', 2],
      ['c', 2],
    ]);
    await expect(h.call('classes.merge', { sourceId: b.id, targetId: b.id })).rejects.toMatchObject({
      code: 'invalid_request',
    });

    await expect(h.call('classes.delete', { id: c.id, boxes: 'reassign' })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('reassign needs reassignTo'),
    });
    await h.call('classes.delete', { id: c.id, boxes: 'reassign', reassignTo: b.id });
    expect((await h.call('classes.list')).map((x) => [x.name, x.boxCount])).toEqual([['b', 4]]);

    await h.call('classes.delete', { id: b.id, boxes: 'delete' });
    expect(await h.call('classes.list')).toEqual([]);
    expect(await h.call('boxes.get', { imageId })).toEqual([]);
    expect(await h.call('project.current')).toMatchObject({ classCount: 0, boxCount: 0 });
    expect(h.eventsOf('images.changed').at(-1)).toEqual({ ids: null });
  });
});
