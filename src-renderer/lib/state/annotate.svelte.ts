import type { Box, BoxSource, BoxXYWH, ImageInfo, ImageStatus } from '../../../src-main/shared/api/project';
import type { Prediction } from '../../../src-main/shared/api/training';
import type { Tool } from '../canvas/annotationStage';
import { loadImage } from '../canvas/annotationStage';
import type { AppState } from './app.svelte';
import { History } from './history';
import { Suggestions } from './suggestions.svelte';

/** A box while it is being edited: `key` is local and stable; database ids change on every save. */
export interface LocalBox extends BoxXYWH {
  key: string;
  classId: number;
  source: BoxSource;
  score: number | null;
}

/** What undo and redo restore: the labels and the suggestions' edits and decisions, together. */
interface Snapshot {
  boxes: LocalBox[];
  predictions: Prediction[];
}

let keySeq = 0;
const newKey = () => `b${++keySeq}`;

export function toLocal(box: Box | LocalBox): LocalBox {
  return {
    key: newKey(),
    classId: box.classId,
    x: box.x,
    y: box.y,
    w: box.w,
    h: box.h,
    source: box.source,
    score: box.score,
  };
}

/**
 * The Annotate view's state: the current image (a position in the Library's list), its boxes, the
 * selection and tool, undo/redo, clipboard. Every edit is saved at once, in order, as one
 * `boxes.replace` call: nothing is ever waiting for a save button.
 */
export class AnnotateState {
  index = $state(-1);
  image = $state.raw<ImageInfo | null>(null);
  boxes = $state.raw<LocalBox[]>([]);
  selected = $state<string | null>(null);
  tool = $state<Tool>('select');
  activeClassId = $state<number | null>(null);
  /** Saves not yet confirmed by the main process. */
  pendingSaves = $state(0);
  saveError = $state<string | null>(null);
  /** A model's predictions for this image; the pending ones are shown as suggestions. */
  readonly suggest: Suggestions;
  history = new History<Snapshot>();
  /** Database id of each box as last saved (ids change on every save; keys do not). */
  #idByKey = new Map<string, number>();
  #clipboard: LocalBox[] = [];
  #saveChain: Promise<unknown> = Promise.resolve();
  #loadSeq = 0;

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
    this.#idByKey = new Map(this.boxes.map((b, i) => [b.key, boxes[i]!.id]));
    this.selected = null;
    this.history.clear();
    this.suggest.clear();
    void this.suggest.load(image);
    this.#prefetchNeighbours(index);
  }

  /** The database id of a box as last saved, for Inspect. */
  boxId(key: string): number | undefined {
    return this.#idByKey.get(key);
  }

  /** Chooses the model whose suggestions are shown, for the rest of the session (null: none). */
  async chooseModel(modelId: number | null): Promise<void> {
    this.app.suggestionModel = modelId;
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

  /** "Accept all above a threshold", optionally for one class. */
  acceptAbove(threshold: number, classId: number | null): Promise<void> {
    return this.accept(
      this.suggestions
        .filter((p) => p.score >= threshold && (classId === null || p.classId === classId))
        .map((p) => p.id),
    );
  }

  /** Edit a suggestion's geometry before accepting it (kept here until then, and undoable). */
  moveSuggestion(key: string, box: BoxXYWH): void {
    const s = this.suggestionOf(key);
    if (s) this.commit(this.boxes, this.suggest.edit(s.id, box));
  }

  async openImage(imageId: number): Promise<void> {
    let index = this.app.library.indexOf(imageId);
    if (index < 0) {
      await this.app.library.reload();
      index = this.app.library.indexOf(imageId);
    }
    await this.openIndex(Math.max(index, 0));
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
    const boxesChanged = next !== this.boxes;
    this.boxes = next;
    this.suggest.show(predictions);
    const sel = this.selected;
    if (sel && !next.some((b) => b.key === sel) && !this.suggestionOf(sel)) this.selected = null;
    const image = this.image;
    if (!image) return;
    const payload = next.map((b) => ({
      classId: b.classId,
      x: b.x,
      y: b.y,
      w: b.w,
      h: b.h,
      source: b.source,
      score: b.score,
    }));
    this.pendingSaves++;
    this.#saveChain = this.#saveChain
      .then(async () => {
        if (boxesChanged) {
          const saved = await this.api.call('boxes.replace', { imageId: image.id, boxes: payload });
          if (this.image?.id === image.id) this.#idByKey = new Map(next.map((b, i) => [b.key, saved[i]!.id]));
        }
        await this.suggest.sync(predictions);
        this.saveError = null;
        if (!boxesChanged) return;
        const fresh = await this.api.call('images.get', { id: image.id });
        if (this.image?.id === fresh.id) this.image = fresh;
        this.app.library.patch(fresh);
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
    const classId = this.activeClassId ?? this.app.classes[0]?.id;
    if (classId === undefined) {
      this.app.error = 'Add a class first: boxes need a class.';
      return;
    }
    const local: LocalBox = { key: newKey(), classId, ...box, source: 'manual', score: null };
    this.commit([...this.boxes, local]);
    this.selected = local.key;
  }

  moveBox(key: string, box: BoxXYWH): void {
    if (key.startsWith('s')) return this.moveSuggestion(key, box);
    this.commit(this.boxes.map((b) => (b.key === key ? { ...b, ...box } : b)));
  }

  deleteSelected(): void {
    const suggestion = this.suggestionOf(this.selected);
    if (suggestion) void this.reject([suggestion.id]);
    else if (this.selected) this.commit(this.boxes.filter((b) => b.key !== this.selected));
  }

  /** Number-key behaviour: re-class the selected box, else choose the class for the next box. */
  applyClass(classId: number): void {
    this.activeClassId = classId;
    const suggestion = this.suggestionOf(this.selected);
    if (suggestion) {
      if (suggestion.classId !== classId)
        this.commit(this.boxes, this.suggest.edit(suggestion.id, { classId }));
      return;
    }
    const sel = this.selectedBox;
    if (sel && sel.classId !== classId) {
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
    if (this.#clipboard.length === 0 || !this.image) return;
    const fitted = this.#clipboard.map((b) => this.#fit(toLocal(b)));
    this.commit([...this.boxes, ...fitted]);
    this.selected = fitted.length === 1 ? fitted[0]!.key : null;
  }

  /** Copies every box of the previous image in the list onto this one. */
  async carryPrevious(): Promise<void> {
    const prev = await this.app.library.fetchAt(this.index - 1);
    if (!prev) return;
    const boxes = await this.app.attempt(() => this.api.call('boxes.get', { imageId: prev.id }));
    if (!boxes?.length) return;
    this.commit([...this.boxes, ...boxes.map((b) => this.#fit(toLocal(b)))]);
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

  /** Keeps a pasted box inside this image (images may differ in size). */
  #fit(b: LocalBox): LocalBox {
    const { width, height } = this.image!;
    const w = Math.min(b.w, width);
    const h = Math.min(b.h, height);
    return {
      ...b,
      w,
      h,
      x: Math.min(Math.max(0, b.x), width - w),
      y: Math.min(Math.max(0, b.y), height - h),
    };
  }
}
