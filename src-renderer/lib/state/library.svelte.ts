import { SvelteSet } from 'svelte/reactivity';
import type { ImageFilter, ImageInfo, ImageOrder } from '../../../src-main/shared/api/project';
import type { ApiClient } from '../api';
import { itemAt, PagedList } from './pagedList';

export const PAGE_SIZE = 200;

/**
 * The image list of the open project as the Library shows it: a filter, an order, and pages fetched
 * on demand (a 20,000-image project is never loaded whole). Annotate walks the same list with A / D.
 */
export class LibraryState {
  filter = $state<ImageFilter>({});
  order = $state<ImageOrder>('name');
  total = $state(0);
  /** Page index → items, mirrored from `list`; replaced (not mutated) so views re-render per page. */
  pages = $state.raw<ReadonlyMap<number, ImageInfo[]>>(new Map());
  selection = new SvelteSet<number>();
  loading = $state(false);
  /** The filtered, ordered list, fetched a page at a time; late answers of an older order are dropped. */
  readonly #list: PagedList<ImageInfo>;
  #anchor: number | null = null;

  constructor(private readonly api: ApiClient) {
    this.#list = new PagedList<ImageInfo>(
      PAGE_SIZE,
      (offset, limit) =>
        this.api.call('images.list', {
          filter: $state.snapshot(this.filter),
          order: this.order,
          offset,
          limit,
        }),
      (pages, total) => {
        this.pages = pages;
        this.total = total;
      },
    );
  }

  /** Drops every cached page and fetches the first one again. */
  async reload(): Promise<void> {
    this.#list.reset();
    this.loading = true;
    try {
      await this.loadPage(0);
    } finally {
      this.loading = false;
    }
  }

  setFilter(filter: ImageFilter): void {
    this.filter = filter;
    this.selection.clear();
    void this.reload();
  }

  setOrder(order: ImageOrder): void {
    this.order = order;
    void this.reload();
  }

  itemAt(index: number): ImageInfo | undefined {
    return itemAt(this.pages, PAGE_SIZE, index);
  }

  loadPage(page: number): Promise<ImageInfo[]> {
    return this.#list.load(page);
  }

  /** Fetches the pages that hold rows `first` to `last` of the list (inclusive): those on screen. */
  loadRows(first: number, last: number): Promise<void> {
    return this.#list.loadRows(first, last);
  }

  /** The image at `index`, fetching its page when needed. */
  async fetchAt(index: number): Promise<ImageInfo | undefined> {
    if (index < 0) return undefined;
    const items = await this.loadPage(Math.floor(index / PAGE_SIZE));
    return items[index % PAGE_SIZE];
  }

  /** Position of an image in the current list, if it is in a loaded page. */
  indexOf(imageId: number): number {
    for (const [page, items] of this.pages) {
      const i = items.findIndex((im) => im.id === imageId);
      if (i >= 0) return page * PAGE_SIZE + i;
    }
    return -1;
  }

  /** Replaces one image's row in place (e.g. after its boxes were saved). */
  patch(image: ImageInfo): void {
    const index = this.indexOf(image.id);
    if (index >= 0) this.#list.replace(index, image);
  }

  /** Click, Ctrl/Cmd-click (toggle) and Shift-click (range) selection, as in file managers. */
  select(index: number, mode: 'single' | 'toggle' | 'range'): void {
    const id = this.itemAt(index)?.id;
    if (id === undefined) return;
    if (mode === 'range' && this.#anchor !== null) {
      const [a, b] = this.#anchor < index ? [this.#anchor, index] : [index, this.#anchor];
      for (let i = a; i <= b; i++) {
        const item = this.itemAt(i);
        if (item) this.selection.add(item.id);
      }
      return;
    }
    if (mode === 'toggle') {
      if (this.selection.has(id)) this.selection.delete(id);
      else this.selection.add(id);
    } else {
      this.selection.clear();
      this.selection.add(id);
    }
    this.#anchor = index;
  }

  async selectAll(): Promise<void> {
    const pages = Math.ceil(this.total / PAGE_SIZE);
    for (let p = 0; p < pages; p++) for (const item of await this.loadPage(p)) this.selection.add(item.id);
  }
}
