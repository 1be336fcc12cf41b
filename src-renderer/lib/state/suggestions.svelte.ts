import type { ImageInfo } from '../../../src-main/shared/api/project';
import type { ModelInfo, Prediction } from '../../../src-main/shared/api/training';
import type { AppState } from './app.svelte';

export type PredictionState = Prediction['state'];

/** The threshold shown for a model that has no best-F1 score (no labeled validation image predicted). */
export const FALLBACK_THRESHOLD = 0.5;

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
  /** Those not yet accepted or rejected, best score first (the list shows them all). */
  pending = $derived(this.all.filter((p) => p.state === 'pending').sort((a, b) => b.score - a.score));
  /** The model shown, from the picker's list (null: none, or the list is not in yet). */
  model = $derived(this.models.find((m) => m.id === this.modelId) ?? null);
  /** The pending suggestions at or above the threshold: the ones drawn. */
  shown = $derived(this.pending.filter((p) => p.score >= this.threshold));
  /** The image whose suggestions `all` holds once its load has answered (null: none yet). */
  loadedFor = $state<number | null>(null);
  /** Each prediction's state as the database holds it (as last read or written). */
  readonly #stored = new Map<number, PredictionState>();
  #models: Promise<ModelInfo[]> | null = null;
  #seq = 0;

  constructor(private readonly app: AppState) {}

  /**
   * Suggestions scoring at least this are drawn on the image and taken by "Accept N": the one the
   * user set in this session, else the shown model's best-F1 score on its validation images.
   */
  get threshold(): number {
    return this.app.suggestionThreshold ?? this.model?.bestF1?.score ?? FALLBACK_THRESHOLD;
  }

  /** Whether the threshold is the model's own (its best F1) rather than one the user set. */
  get thresholdIsModels(): boolean {
    return this.app.suggestionThreshold === null && !!this.model?.bestF1;
  }

  #listModels(): Promise<ModelInfo[]> {
    this.#models ??= this.app.api.call('models.list').then(
      (m) => (this.models = m),
      () => (this.models = []),
    );
    return this.#models;
  }

  /** The user's threshold for the rest of the session (null: the model's own again). */
  setThreshold(value: number | null): void {
    this.app.suggestionThreshold =
      value === null || !Number.isFinite(value) ? null : Math.min(1, Math.max(0, value));
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
