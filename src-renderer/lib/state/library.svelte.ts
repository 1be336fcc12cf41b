import { SvelteSet } from 'svelte/reactivity';
import type {
  DatasetFormat,
  ExistingChoice,
  ImageFilter,
  ImageInfo,
  ImageOrder,
  ImageStatus,
  ImportPreview,
  Split,
} from '../../../src-main/shared/api/project';
import type { MethodInput } from '../../../src-main/shared/contract';
import type { ApiClient } from '../api';
import { importNotice } from './importChoice';
import { itemAt, PagedList } from './pagedList';

export const PAGE_SIZE = 200;

type ExportRequest = MethodInput<'dataset.export'>;

/** What the Library says after an add, import or export; an import can be undone from it. */
export interface LibraryNotice {
  text: string;
  details: string[];
  undoId: number | null;
}

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
  readonly #stale = new Set<number>();
  #refreshing = false;

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

  /**
   * Rows that changed elsewhere (`images.changed` with ids): those on a loaded page are fetched again
   * and patched where they are, in one request per burst of events; the pages and the scroll stay.
   */
  refreshRows(ids: readonly number[]): void {
    for (const id of ids) if (this.indexOf(id) >= 0) this.#stale.add(id);
    if (this.#stale.size === 0 || this.#refreshing) return;
    this.#refreshing = true;
    queueMicrotask(() => void this.#refreshStale());
  }

  async #refreshStale(): Promise<void> {
    try {
      while (this.#stale.size > 0) {
        const ids = [...this.#stale].slice(0, 1000);
        for (const id of ids) this.#stale.delete(id);
        const rows = await this.api.call('images.rows', { ids }).catch(() => []);
        for (const row of rows) this.patch(row);
      }
    } finally {
      this.#refreshing = false;
    }
  }

  /** Position of an image in the current list: from a loaded page, else asked of the project. */
  async locate(imageId: number): Promise<number | null> {
    const loaded = this.indexOf(imageId);
    if (loaded >= 0) return loaded;
    const r = await this.api
      .call('images.locate', { id: imageId, filter: $state.snapshot(this.filter), order: this.order })
      .catch(() => null);
    return r?.index ?? null;
  }

  /** Whether a filter narrows the list (Annotate's A / D walk only what it lets through). */
  get filtered(): boolean {
    return Object.values(this.filter).some((v) => v !== undefined);
  }

  /** The filter in words: `name contains “0066” · status labeled`. */
  describeFilter(classes: ReadonlyArray<{ id: number; name: string }>): string {
    const f = this.filter;
    const parts: string[] = [];
    if (f.search) parts.push(`name contains “${f.search}”`);
    if (f.status) parts.push(`status ${f.status}`);
    if (f.split) parts.push(`${f.split} split`);
    if (f.classId !== undefined)
      parts.push(`class ${classes.find((c) => c.id === f.classId)?.name ?? f.classId}`);
    if (f.hasPredictions !== undefined) parts.push(f.hasPredictions ? 'has predictions' : 'no predictions');
    if (f.hasProblem !== undefined) parts.push(f.hasProblem ? 'unreadable files' : 'readable files');
    return parts.join(' · ');
  }

  /** Adds image files or folders; says what came in, what was a duplicate and what failed. */
  /** Adds image files or folders; says what was added, and why any file was not or has a warning. */
  async addImages(paths: string[]): Promise<LibraryNotice> {
    const r = await this.api.call('images.add', { paths });
    const parts = [`Added ${r.added} image${r.added === 1 ? '' : 's'}`];
    if (r.duplicates.length) parts.push(`${r.duplicates.length} duplicate(s) skipped`);
    if (r.failed.length) parts.push(`${r.failed.length} could not be used`);
    if (r.warnings.length) parts.push(`${r.warnings.length} with a warning`);
    await this.reload();
    return {
      text: parts.join(' · '),
      details: [
        ...r.failed.map((f) => `${f.path}: ${f.reason}`),
        ...r.warnings.map((w) => `${w.path}: ${w.reason}`),
      ],
      undoId: null,
    };
  }

  /**
   * Reads and checks a dataset first; when the project has some of its images already, `choose`
   * asks what happens to their boxes (null: the import is called off, nothing changed).
   */
  async importDataset(
    source: { format: DatasetFormat; path: string },
    choose: (preview: ImportPreview) => Promise<ExistingChoice | null>,
  ): Promise<LibraryNotice | null> {
    const preview = await this.api.call('dataset.preview', source);
    let existing: ExistingChoice = 'keep';
    if (preview.existing.found > 0) {
      const answer = await choose(preview);
      if (!answer) return null;
      existing = answer;
    }
    const r = await this.api.call('dataset.import', { ...source, existing });
    await this.reload();
    const { text, details } = importNotice(r);
    return { text, details, undoId: r.undoId };
  }

  async undoImport(id: number): Promise<LibraryNotice> {
    const r = await this.api.call('dataset.undoImport', { id });
    await this.reload();
    return {
      text:
        `Import undone: ${r.removed} image${r.removed === 1 ? '' : 's'} it added removed, ` +
        `${r.restored} it changed restored`,
      details: [],
      undoId: null,
    };
  }

  async exportDataset(request: ExportRequest): Promise<LibraryNotice> {
    const r = await this.api.call('dataset.export', request);
    return {
      text: `Exported ${r.images} images and ${r.boxes} boxes to ${r.dir}`,
      details: [
        ...(r.config ? [`Config: ${r.config}`] : []),
        ...(r.guide ? [`How to train it on a GPU cluster and bring the results back: ${r.guide}`] : []),
        ...r.warnings,
      ],
      undoId: null,
    };
  }

  /** Moves, marks or removes the selected images, then shows the list as the filter now has it. */
  async bulk(action: { split: Split } | { status: ImageStatus } | { remove: true }): Promise<void> {
    const ids = [...this.selection];
    if (ids.length === 0) return;
    if ('remove' in action) {
      await this.api.call('images.remove', { ids });
      this.selection.clear();
    } else if ('split' in action) await this.api.call('images.setSplit', { ids, split: action.split });
    else await this.api.call('images.setStatus', { ids, status: action.status });
    await this.reload();
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
