import { describe, expect, it } from 'vitest';
import { PagedList, pagesFor } from '../../../src-renderer/lib/state/pagedList';
import { REVIEW_PAGE_SIZE } from '../../../src-renderer/lib/state/review.svelte';

/** A list of `total` numbered rows behind a fake API that records each request's offset and limit. */
function server(total: number) {
  const requests: Array<[number, number]> = [];
  const pending: Array<() => void> = [];
  let hold = false;
  const fetchPage = (offset: number, limit: number) => {
    requests.push([offset, limit]);
    const answer = {
      total,
      items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i),
    };
    if (!hold) return Promise.resolve(answer);
    return new Promise<typeof answer>((resolve) => pending.push(() => resolve(answer)));
  };
  return {
    requests,
    fetchPage,
    holdAnswers: () => (hold = true),
    answerAll: () => pending.splice(0).forEach((r) => r()),
  };
}

describe('a list fetched a page at a time', () => {
  it('reaches every row of a 2,000-image review, one request per page', async () => {
    const api = server(2000);
    const list = new PagedList(REVIEW_PAGE_SIZE, api.fetchPage);
    await list.load(0);
    expect(list.total).toBe(2000);
    expect(list.itemAt(99)).toBe(99);
    expect(list.itemAt(100)).toBeUndefined(); // not fetched yet
    // Scrolling to the end: the rows on screen fetch their pages, each once.
    await list.loadRows(1985, 1999);
    await list.loadRows(1990, 1999);
    expect(list.itemAt(1999)).toBe(1999);
    expect(api.requests).toEqual([
      [0, 100],
      [1900, 100],
    ]);
    // Rows across a page boundary need both pages.
    await list.loadRows(195, 205);
    expect(api.requests.slice(2)).toEqual([
      [100, 100],
      [200, 100],
    ]);
    expect(list.itemAt(205)).toBe(205);
  });

  it('asks for a page being fetched only once, and drops answers from before a reset', async () => {
    const api = server(8);
    const changes: number[] = [];
    const list = new PagedList(3, api.fetchPage, (pages) => changes.push(pages.size));
    api.holdAnswers();
    const a = list.load(2);
    const b = list.load(2);
    expect(api.requests).toEqual([[6, 3]]);
    list.reset(); // e.g. another sort order while page 2 was on its way
    const c = list.load(2);
    expect(api.requests).toEqual([
      [6, 3],
      [6, 3],
    ]);
    api.answerAll();
    await Promise.all([a, b, c]);
    // The answer of the old order is not kept; the new one is, with the last two rows of the 8.
    expect(changes).toEqual([0, 1]);
    expect([list.itemAt(6), list.itemAt(7), list.itemAt(8)]).toEqual([6, 7, undefined]);
  });

  it('lists the pages that hold a range of rows', () => {
    expect(pagesFor(0, 7, 3)).toEqual([0, 1, 2]);
    expect(pagesFor(3, 5, 3)).toEqual([1]);
    expect(pagesFor(5, 4, 3)).toEqual([]);
  });

  it('replaces one row of a loaded page in a new page object, and leaves unloaded pages alone', async () => {
    const api = server(250);
    const seen: Array<ReadonlyMap<number, number[]>> = [];
    const list = new PagedList(100, api.fetchPage, (pages) => seen.push(pages));
    const before = await list.load(1);
    list.replace(150, -150);
    expect(list.itemAt(150)).toBe(-150);
    expect(list.itemAt(151)).toBe(151);
    expect(before[50]).toBe(150); // the page handed out earlier is not mutated
    expect(seen.at(-1)).not.toBe(seen.at(-2)); // a new map, so views re-render
    list.replace(10, -10); // page 0 was never loaded
    expect(list.itemAt(10)).toBeUndefined();
    expect(api.requests).toEqual([[100, 100]]);
  });
});
