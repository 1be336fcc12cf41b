export interface ListPage<T> {
  total: number;
  items: T[];
}

/**
 * A long list fetched a page at a time, as rows come into view: each page is asked for once (a page
 * being fetched is awaited, not asked for again), and answers from before the last `reset()` are
 * dropped, so a list re-sorted while a page was on its way never mixes two orders.
 * Plain TypeScript: a state class mirrors `pages` and `total` into `$state` through `onchange`.
 */
export class PagedList<T> {
  #pages: ReadonlyMap<number, T[]> = new Map();
  #inflight = new Map<number, Promise<T[]>>();
  #generation = 0;
  #total = 0;

  constructor(
    readonly pageSize: number,
    private readonly fetchPage: (offset: number, limit: number) => Promise<ListPage<T>>,
    private readonly onchange: (pages: ReadonlyMap<number, T[]>, total: number) => void = () => {},
  ) {}

  get total(): number {
    return this.#total;
  }

  /** Forgets every page (the order or the filter changed); the total stays until the next answer. */
  reset(): void {
    this.#generation++;
    this.#inflight.clear();
    this.#pages = new Map();
    this.onchange(this.#pages, this.#total);
  }

  itemAt(index: number): T | undefined {
    return itemAt(this.#pages, this.pageSize, index);
  }

  load(page: number): Promise<T[]> {
    const cached = this.#pages.get(page);
    if (cached) return Promise.resolve(cached);
    let p = this.#inflight.get(page);
    if (!p) {
      const generation = this.#generation;
      p = this.fetchPage(page * this.pageSize, this.pageSize)
        .then((r) => {
          if (generation === this.#generation) {
            this.#total = r.total;
            this.#pages = new Map(this.#pages).set(page, r.items);
            this.onchange(this.#pages, this.#total);
          }
          return r.items;
        })
        .finally(() => {
          if (generation === this.#generation) this.#inflight.delete(page);
        });
      this.#inflight.set(page, p);
    }
    return p;
  }

  /** Replaces the row at `index` in its loaded page (one row changed); a page not loaded is left to load. */
  replace(index: number, item: T): void {
    const page = Math.floor(index / this.pageSize);
    const items = this.#pages.get(page);
    if (!items) return;
    const next = [...items];
    next[index % this.pageSize] = item;
    this.#pages = new Map(this.#pages).set(page, next);
    this.onchange(this.#pages, this.#total);
  }

  /** Fetches the pages that hold rows `first` to `last` (inclusive), those on screen. */
  async loadRows(first: number, last: number): Promise<void> {
    await Promise.all(pagesFor(first, last, this.pageSize).map((p) => this.load(p)));
  }
}

/** The page numbers that hold rows `first` to `last` (inclusive). */
export function pagesFor(first: number, last: number, pageSize: number): number[] {
  if (last < first || last < 0) return [];
  const pages: number[] = [];
  for (let p = Math.floor(Math.max(first, 0) / pageSize); p <= Math.floor(last / pageSize); p++)
    pages.push(p);
  return pages;
}

export function itemAt<T>(pages: ReadonlyMap<number, T[]>, pageSize: number, index: number): T | undefined {
  return index < 0 ? undefined : pages.get(Math.floor(index / pageSize))?.[index % pageSize];
}
