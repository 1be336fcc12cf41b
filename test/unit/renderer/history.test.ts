import { describe, expect, it } from 'vitest';
import { History } from '../../../src-renderer/lib/state/history';

describe('undo/redo history', () => {
  it('undoes and redoes snapshots in order', () => {
    const h = new History<number[]>();
    let state = [1];
    h.push(state);
    state = [1, 2];
    h.push(state);
    state = [1, 2, 3];
    state = h.undo(state)!;
    expect(state).toEqual([1, 2]);
    state = h.undo(state)!;
    expect(state).toEqual([1]);
    expect(h.undo(state)).toBeNull();
    state = h.redo(state)!;
    expect(state).toEqual([1, 2]);
    state = h.redo(state)!;
    expect(state).toEqual([1, 2, 3]);
    expect(h.canRedo).toBe(false);
  });

  it('drops the redo branch on a new edit and keeps at most `limit` steps', () => {
    const h = new History<number>(3);
    for (let i = 0; i < 5; i++) h.push(i);
    expect(h.undo(5)).toBe(4);
    h.push(40);
    expect(h.canRedo).toBe(false);
    const seen: number[] = [];
    let s: number | null = 41;
    while ((s = h.undo(s)) !== null) seen.push(s);
    expect(seen).toEqual([40, 3, 2]);
  });
});
