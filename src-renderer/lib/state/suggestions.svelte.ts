import type { ImageInfo } from '../../../src-main/shared/api/project';
import type { ModelInfo, Prediction } from '../../../src-main/shared/api/training';
import type { AppState } from './app.svelte';

export type PredictionState = Prediction['state'];

/**
 * One image's predictions from one model, shown in Annotate as suggestions. Decisions (accept,
 * reject) and edits are made here first and are part of Annotate's undo history; `sync` then writes
 * to the database whatever decision it does not hold yet.
 */
export class Suggestions {
  /** Trained models, newest first (the picker's choices). */
  models = $state.raw<ModelInfo[]>([]);
  /** The model whose predictions are shown (null: none). */
  modelId = $state<number | null>(null);
  /** This image's predictions from that model, as edited and decided here. */
  all = $state.raw<Prediction[]>([]);
  pending = $derived(this.all.filter((p) => p.state === 'pending'));
  /** The image whose suggestions `all` holds once its load has answered (null: none yet). */
  loadedFor = $state<number | null>(null);
  /** Each prediction's state as the database holds it (as last read or written). */
  readonly #stored = new Map<number, PredictionState>();
  #models: Promise<ModelInfo[]> | null = null;
  #seq = 0;

  constructor(private readonly app: AppState) {}

  #listModels(): Promise<ModelInfo[]> {
    this.#models ??= this.app.api.call('models.list').then(
      (m) => (this.models = m),
      () => (this.models = []),
    );
    return this.#models;
  }

  /** Forgets the shown predictions (another image is opening). */
  clear(): void {
    this.#seq++;
    this.all = [];
    this.loadedFor = null;
  }

  /**
   * Shows this image's predictions from the model chosen in this session; until one is chosen, from
   * the newest model that predicted the image (one request, however many models there are).
   */
  async load(image: ImageInfo): Promise<void> {
    const seq = ++this.#seq;
    const choice = this.app.suggestionModel;
    void this.#listModels();
    let found: { modelId: number | null; predictions: Prediction[] } = { modelId: null, predictions: [] };
    if (choice === 'auto') {
      found =
        (await this.app.attempt(() => this.app.api.call('predictions.latest', { imageId: image.id }))) ??
        found;
    } else if (choice !== null) {
      found = {
        modelId: choice,
        predictions:
          (await this.app.attempt(() =>
            this.app.api.call('predictions.get', { modelId: choice, imageId: image.id }),
          )) ?? [],
      };
    }
    if (seq !== this.#seq) return;
    for (const p of found.predictions) this.#stored.set(p.id, p.state);
    this.modelId = found.modelId;
    this.all = found.predictions;
    this.loadedFor = image.id;
  }

  /** The same list with some predictions decided. */
  decide(ids: ReadonlySet<number>, state: PredictionState): Prediction[] {
    return this.all.map((p) => (ids.has(p.id) ? { ...p, state } : p));
  }

  /** The same list with one prediction edited (geometry or class) before it is decided. */
  edit(id: number, change: Partial<Prediction>): Prediction[] {
    return this.all.map((p) => (p.id === id ? { ...p, ...change } : p));
  }

  /**
   * Shows a snapshot from the undo history. Only the predictions it shares with the current list
   * change: the snapshot may come from another model, chosen since.
   */
  show(snapshot: readonly Prediction[]): void {
    if (snapshot === this.all) return;
    const byId = new Map(snapshot.map((p) => [p.id, p]));
    this.all = this.all.map((p) => byId.get(p.id) ?? p);
  }

  /** Writes the decisions of a snapshot that the database does not hold yet (an undone one: pending). */
  async sync(snapshot: readonly Prediction[]): Promise<void> {
    const ids: Record<Prediction['state'], number[]> = { accepted: [], rejected: [], pending: [] };
    for (const p of snapshot) {
      if ((this.#stored.get(p.id) ?? 'pending') !== p.state) ids[p.state].push(p.id);
    }
    for (const state of ['accepted', 'rejected', 'pending'] as const) {
      if (!ids[state].length) continue;
      await this.app.api.call('predictions.resolve', { ids: ids[state], state });
      for (const id of ids[state]) this.#stored.set(id, state);
    }
  }
}
