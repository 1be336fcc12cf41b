import type { Box, BoxEdit, BoxEditResult, BoxSource, BoxXYWH } from '../../../src-main/shared/api/project';

/** A box while it is being edited: `key` is local and stable, and stands for its database id. */
export interface LocalBox extends BoxXYWH {
  key: string;
  classId: number;
  source: BoxSource;
  score: number | null;
}

let keySeq = 0;
export const newKey = (): string => `b${++keySeq}`;

/** A fresh local copy of a box (a new key: pasted and carried boxes are new boxes). */
export function toLocal(box: Box | LocalBox): LocalBox {
  const { classId, x, y, w, h, source, score } = box;
  return { key: newKey(), classId, x, y, w, h, source, score };
}

export interface BoxDiff {
  add: LocalBox[];
  update: LocalBox[];
  remove: LocalBox[];
}

/** What changed between two lists of the same image's boxes, matched by key. */
export function diffBoxes(before: readonly LocalBox[], after: readonly LocalBox[]): BoxDiff {
  const old = new Map(before.map((b) => [b.key, b]));
  const kept = new Set<string>();
  const add: LocalBox[] = [];
  const update: LocalBox[] = [];
  for (const b of after) {
    const was = old.get(b.key);
    if (!was) add.push(b);
    else {
      kept.add(b.key);
      if (
        was !== b &&
        (was.x !== b.x || was.y !== b.y || was.w !== b.w || was.h !== b.h || was.classId !== b.classId)
      )
        update.push(b);
    }
  }
  return { add, update, remove: before.filter((b) => !kept.has(b.key)) };
}

export function isEmpty(d: BoxDiff): boolean {
  return d.add.length + d.update.length + d.remove.length === 0;
}

/**
 * Which database box each local key stands for. Keys outlive their boxes: a deleted box's key keeps
 * its id, so undoing the delete asks for that id back and the box is the same box again.
 */
export class BoxIds {
  #idByKey = new Map<string, number>();

  /** The boxes of a freshly opened image. */
  reset(local: readonly LocalBox[], saved: readonly Box[]): void {
    this.#idByKey = new Map(local.map((b, i) => [b.key, saved[i]!.id]));
  }

  idOf(key: string): number | undefined {
    return this.#idByKey.get(key);
  }

  /** The request for a diff. Run it only once every earlier save has answered: their ids are needed. */
  request(imageId: number, d: BoxDiff): BoxEdit {
    const id = (b: LocalBox) => {
      const known = this.#idByKey.get(b.key);
      if (known === undefined) throw new Error('a box was edited before it was saved');
      return known;
    };
    return {
      imageId,
      add: d.add.map((b) => ({
        ...(this.#idByKey.has(b.key) ? { id: this.#idByKey.get(b.key)! } : {}),
        classId: b.classId,
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        source: b.source,
        score: b.score,
      })),
      update: d.update.map((b) => ({ id: id(b), classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h })),
      delete: d.remove.map(id),
    };
  }

  /** Records the ids the added boxes were saved under. */
  saved(d: BoxDiff, result: BoxEditResult): void {
    d.add.forEach((b, i) => this.#idByKey.set(b.key, result.added[i]!.id));
  }
}
