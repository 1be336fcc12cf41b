import type { BoxXYWH, ImageInfo, ImageStatus } from '../../../src-main/shared/api/project';
import type { Prediction } from '../../../src-main/shared/api/training';
import { moveInside } from '../../../src-main/shared/geometry';
import type { Tool } from '../canvas/annotationStage';
import { loadImage } from '../canvas/annotationStage';
import type { AppState } from './app.svelte';
import { BoxIds, diffBoxes, isEmpty, newKey, toLocal, type LocalBox } from './boxEdits';
import { History } from './history';
import { Suggestions } from './suggestions.svelte';

export type { LocalBox } from './boxEdits';

/** What undo and redo restore: the labels and the suggestions' edits and decisions, together. */
interface Snapshot {
  boxes: LocalBox[];
  predictions: Prediction[];
}

/** How long a short note on the canvas (why nothing happened) stays. */
const NOTE_MS = 4000;

/**
 * The Annotate view's state: the current image (a position in the Library's list), its boxes, the
 * selection and tool, undo/redo, clipboard. Every edit is saved at once, in order, as one `boxes.edit`
 * call naming the boxes it adds, changes or deletes (the others keep their ids): nothing is ever
 * waiting for a save button.
 */
export class AnnotateState {
  index = $state(-1);
  image = $state.raw<ImageInfo | null>(null);
  boxes = $state.raw<LocalBox[]>([]);
  selected = $state<string | null>(null);
  tool = $state<Tool>('select');
  /** Saves not yet confirmed by the main process. */
  pendingSaves = $state(0);
  saveError = $state<string | null>(null);
  /** A short note about the last action (a drag too small to be a box), shown for a few seconds. */
  note = $state<string | null>(null);
  /** A model's predictions for this image; the pending ones are shown as suggestions. */
  readonly suggest: Suggestions;
  history = new History<Snapshot>();
  readonly #ids = new BoxIds();
  #clipboard: LocalBox[] = [];
  #saveChain: Promise<unknown> = Promise.resolve();
  #loadSeq = 0;
  #noteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly app: AppState) {
    this.suggest = new Suggestions(app);
  }

  get api() {
    return this.app.api;
  }

  /** Pending suggestions of this image; geometry and class may be edited before accepting. */
  get suggestions(): Prediction[] {
    return this.suggest.pending;
  }

  get selectedBox(): LocalBox | undefined {
    return this.boxes.find((b) => b.key === this.selected);
  }

  /**
   * The class the next drawn box gets: the one chosen last with no box selected (a number key or the
   * class list), for the whole session; else the first class. Selecting a box, re-classing it or
   * moving to another image leaves it as it is.
   */
  get drawClassId(): number | null {
    const chosen = this.app.drawClassId;
    if (chosen !== null && this.app.classById(chosen)) return chosen;
    return this.app.classes[0]?.id ?? null;
  }

  /** Opens the image at a position of the Library's current list. */
  async openIndex(index: number): Promise<void> {
    const lib = this.app.library;
    if (index < 0 || (lib.total > 0 && index >= lib.total)) return;
    const seq = ++this.#loadSeq;
    const image = await lib.fetchAt(index);
    if (!image || seq !== this.#loadSeq) return;
    const boxes = await this.app.attempt(() => this.api.call('boxes.get', { imageId: image.id }));
    if (!boxes || seq !== this.#loadSeq) return;
    this.index = index;
    this.image = image;
    this.app.currentImageId = image.id;
    this.boxes = boxes.map(toLocal);
    this.#ids.reset(this.boxes, boxes);
    this.selected = null;
    this.history.clear();
    this.suggest.clear();
    void this.suggest.load(image);
    this.#prefetchNeighbours(index);
  }

  /** Opens an image by id, wherever it is in the Library's list (the first image when it is not in it). */
  async openImage(imageId: number): Promise<void> {
    const index = await this.app.library.locate(imageId);
    await this.openIndex(index ?? 0);
  }

  /** Clears the Library's filter and stays on this image, now at its place in the whole list. */
  async clearFilter(): Promise<void> {
    const id = this.image?.id;
    this.app.library.filter = {};
    await this.app.library.reload();
    if (id !== undefined) await this.openImage(id);
  }

  /** The database id of a box as last saved, for Inspect. */
  boxId(key: string): number | undefined {
    return this.#ids.idOf(key);
  }

  /** Chooses the model whose suggestions are shown, for the rest of the session (null: none). */
  async chooseModel(modelId: number | null): Promise<void> {
    this.app.suggestionModel = modelId;
    // Another model's scores mean something else: its own threshold again.
    this.app.suggestionThreshold = null;
    if (this.image) await this.suggest.load(this.image);
  }

  suggestionOf(key: string | null): Prediction | undefined {
    return key?.startsWith('s') ? this.suggestions.find((p) => `s${p.id}` === key) : undefined;
  }

  /** Accepts suggestions as labels (marked model-made, with their score), in one edit. */
  async accept(ids: number[]): Promise<void> {
    const chosen = this.suggestions.filter((p) => ids.includes(p.id));
    if (!chosen.length) return;
    const added = chosen.map((p): LocalBox => ({
      key: newKey(),
      classId: p.classId,
      x: p.x,
      y: p.y,
      w: p.w,
      h: p.h,
      source: 'model',
      score: p.score,
    }));
    // One edit: the labels are saved first, then the suggestions are marked accepted.
    this.commit([...this.boxes, ...added], this.suggest.decide(new Set(chosen.map((p) => p.id)), 'accepted'));
    if (added.length === 1) this.selected = added[0]!.key;
    await this.flush();
  }

  async reject(ids: number[]): Promise<void> {
    const chosen = new Set(this.suggestions.filter((p) => ids.includes(p.id)).map((p) => p.id));
    if (!chosen.size) return;
    this.commit(this.boxes, this.suggest.decide(chosen, 'rejected'));
    await this.flush();
  }

  /** "Accept N": every suggestion drawn (at or above the threshold), optionally of one class. */
  acceptShown(classId: number | null): Promise<void> {
    return this.accept(
      this.suggest.shown.filter((p) => classId === null || p.classId === classId).map((p) => p.id),
    );
  }

  /** Edit a suggestion's geometry before accepting it (kept here until then, and undoable). */
  moveSuggestion(key: string, box: BoxXYWH): void {
    const s = this.suggestionOf(key);
    if (s) this.commit(this.boxes, this.suggest.edit(s.id, box));
  }

  go(delta: number): Promise<void> {
    return this.openIndex(this.index + delta);
  }

  #prefetchNeighbours(index: number): void {
    for (const i of [index + 1, index - 1, index + 2]) {
      void this.app.library.fetchAt(i).then((im) => {
        if (im) void loadImage(this.api.imageUrl('image', im.id)).catch(() => {});
      });
    }
  }

  /** Applies an edit: records undo, updates the view at once, and queues the save. */
  commit(boxes: LocalBox[], predictions: Prediction[] = this.suggest.all): void {
    this.history.push(this.#snapshot());
    this.#apply({ boxes, predictions });
  }

  #snapshot(): Snapshot {
    return { boxes: this.boxes, predictions: this.suggest.all };
  }

  #apply({ boxes: next, predictions }: Snapshot): void {
    const diff = diffBoxes(this.boxes, next);
    this.boxes = next;
    this.suggest.show(predictions);
    const sel = this.selected;
    if (sel && !next.some((b) => b.key === sel) && !this.suggestionOf(sel)) this.selected = null;
    const image = this.image;
    if (!image) return;
    this.pendingSaves++;
    this.#saveChain = this.#saveChain
      .then(async () => {
        if (!isEmpty(diff)) {
          const saved = await this.api.call('boxes.edit', this.#ids.request(image.id, diff));
          this.#ids.saved(diff, saved);
          if (this.image?.id === image.id) this.image = saved.image;
          this.app.library.patch(saved.image);
        }
        await this.suggest.sync(predictions);
        this.saveError = null;
      })
      .catch((e: unknown) => {
        this.saveError = `Not saved: ${e instanceof Error ? e.message : String(e)}`;
        this.app.error = this.saveError;
      })
      .finally(() => this.pendingSaves--);
  }

  /** Resolves when every queued save has been answered. */
  flush(): Promise<unknown> {
    return this.#saveChain;
  }

  undo(): void {
    const prev = this.history.undo(this.#snapshot());
    if (prev) this.#apply(prev);
  }

  redo(): void {
    const next = this.history.redo(this.#snapshot());
    if (next) this.#apply(next);
  }

  addBox(box: BoxXYWH): void {
    const classId = this.drawClassId;
    if (classId === null) {
      this.app.error = 'Add a class first: boxes need a class.';
      return;
    }
    const local: LocalBox = { key: newKey(), classId, ...box, source: 'manual', score: null };
    this.commit([...this.boxes, local]);
    this.selected = local.key;
  }

  /** A drag too small to be a box: nothing is made, and the canvas says why for a moment. */
  tooSmall(minSize: number): void {
    this.showNote(
      `No box: drag at least ${minSize} × ${minSize} image pixels, from one corner to the other.`,
    );
  }

  showNote(text: string): void {
    clearTimeout(this.#noteTimer);
    this.note = text;
    this.#noteTimer = setTimeout(() => (this.note = null), NOTE_MS);
  }

  moveBox(key: string, box: BoxXYWH): void {
    if (key.startsWith('s')) return this.moveSuggestion(key, box);
    this.commit(this.boxes.map((b) => (b.key === key ? { ...b, ...box } : b)));
  }

  deleteBox(key: string): void {
    this.commit(this.boxes.filter((b) => b.key !== key));
  }

  deleteSelected(): void {
    const suggestion = this.suggestionOf(this.selected);
    if (suggestion) void this.reject([suggestion.id]);
    else if (this.selected) this.deleteBox(this.selected);
  }

  /**
   * A number key or a click in the class list: with a box (or suggestion) selected, that box takes the
   * class; with none, it becomes the class of the next drawn box. Never both.
   */
  applyClass(classId: number): void {
    const suggestion = this.suggestionOf(this.selected);
    if (suggestion) {
      if (suggestion.classId !== classId)
        this.commit(this.boxes, this.suggest.edit(suggestion.id, { classId }));
      return;
    }
    const sel = this.selectedBox;
    if (!sel) {
      this.app.drawClassId = classId;
      return;
    }
    if (sel.classId !== classId) {
      this.commit(this.boxes.map((b) => (b.key === sel.key ? { ...b, classId } : b)));
    }
  }

  selectNext(): void {
    if (this.boxes.length === 0) return;
    const i = this.boxes.findIndex((b) => b.key === this.selected);
    this.selected = this.boxes[(i + 1) % this.boxes.length]!.key;
  }

  copy(): void {
    this.#clipboard = (this.selectedBox ? [this.selectedBox] : this.boxes).map((b) => ({ ...b }));
  }

  paste(): void {
    const image = this.image;
    if (this.#clipboard.length === 0 || !image) return;
    // Images may differ in size: a pasted box is moved (not cut) to lie inside this one.
    const fitted = this.#clipboard.map((b) => moveInside(toLocal(b), image));
    this.commit([...this.boxes, ...fitted]);
    this.selected = fitted.length === 1 ? fitted[0]!.key : null;
  }

  /** Copies every box of the previous image in the list onto this one. */
  async carryPrevious(): Promise<void> {
    const image = this.image;
    const prev = await this.app.library.fetchAt(this.index - 1);
    if (!prev || !image) return;
    const boxes = await this.app.attempt(() => this.api.call('boxes.get', { imageId: prev.id }));
    if (!boxes?.length) return;
    this.commit([...this.boxes, ...boxes.map((b) => moveInside(toLocal(b), image))]);
  }

  async setStatus(status: ImageStatus): Promise<void> {
    const image = this.image;
    if (!image) return;
    await this.flush();
    const ok = await this.app.attempt(() => this.api.call('images.setStatus', { ids: [image.id], status }));
    if (ok === undefined) return;
    const fresh = await this.app.attempt(() => this.api.call('images.get', { id: image.id }));
    if (fresh) {
      this.image = fresh;
      this.app.library.patch(fresh);
    }
  }
}
