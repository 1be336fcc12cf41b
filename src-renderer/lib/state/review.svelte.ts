import type { Box } from '../../../src-main/shared/api/project';
import type {
  ModelEvaluation,
  ModelExportReport,
  ModelInfo,
  Prediction,
  PredictionImportReport,
  ReviewRow,
} from '../../../src-main/shared/api/training';
import type { MethodInput } from '../../../src-main/shared/contract';
import type { AppState } from './app.svelte';
import { itemAt, PagedList } from './pagedList';

export type ReviewSort = 'errors' | 'uncertainty' | 'name';

/** Rows asked for at a time as the image list scrolls (the API allows up to 500). */
export const REVIEW_PAGE_SIZE = 100;

/** The Review view: a model, its stored predictions against the labels, image by image. */
export class ReviewState {
  models = $state.raw<ModelInfo[]>([]);
  modelId = $state<number | null>(null);
  sort = $state<ReviewSort>('errors');
  /** The loaded pages of the image list (page index → rows), mirrored from `list`. */
  pages = $state.raw<ReadonlyMap<number, ReviewRow[]>>(new Map());
  total = $state(0);
  evaluation = $state.raw<ModelEvaluation | null>(null);
  imageId = $state<number | null>(null);
  labels = $state.raw<Box[]>([]);
  predictions = $state.raw<Array<Prediction & { matchedBoxId: number | null }>>([]);
  missed = $state.raw<number[]>([]);
  /** Whether the shown image carries labels (else its predictions are suggestions, not TP / FP). */
  labeled = $state(true);
  /** The shown image's size in pixels (the canvas fits it before its file has loaded). */
  size = $state.raw<{ width: number; height: number } | null>(null);
  predicting = $state(false);
  /** What the last prediction run did, said once it is done. */
  notice = $state.raw<{ text: string; details: string[] } | null>(null);

  /** Every image of the model's review, fetched a page at a time as the list scrolls. */
  readonly list: PagedList<ReviewRow>;
  #sizeOf: number | null = null;

  constructor(private readonly app: AppState) {
    this.list = new PagedList<ReviewRow>(
      REVIEW_PAGE_SIZE,
      (offset, limit) =>
        this.app.api.call('review.images', {
          modelId: this.modelId!,
          scoreThreshold: this.threshold,
          sort: this.sort,
          offset,
          limit,
        }),
      (pages, total) => {
        this.pages = pages;
        this.total = total;
      },
    );
  }

  /** Detections scoring at least this are counted and drawn; kept for the session, across views. */
  get threshold(): number {
    return this.app.reviewThreshold;
  }

  set threshold(value: number) {
    this.app.reviewThreshold = value;
  }

  /** The chosen model (an imported one has detections but no network to predict with). */
  get model(): ModelInfo | undefined {
    return this.models.find((m) => m.id === this.modelId);
  }

  /** A COCO results file of another detector read in as a model, then shown. */
  async importPredictions(
    request: MethodInput<'predictions.import'>,
  ): Promise<PredictionImportReport | undefined> {
    const r = await this.app.attempt(() => this.app.api.call('predictions.import', request));
    if (!r) return undefined;
    await this.loadModels();
    await this.chooseModel(r.model.id);
    return r;
  }

  /** The chosen model written out for other programs (TF.js weights, settings, a module). */
  async exportModel(dir: string): Promise<ModelExportReport | undefined> {
    const modelId = this.modelId;
    if (modelId === null) return undefined;
    return this.app.attempt(() => this.app.api.call('models.export', { modelId, dir }));
  }

  rowAt(index: number): ReviewRow | undefined {
    return itemAt(this.pages, REVIEW_PAGE_SIZE, index);
  }

  /** Fetches the pages of the rows on screen. */
  async showRows(first: number, last: number): Promise<void> {
    if (this.modelId === null) return;
    await this.app.attempt(() => this.list.loadRows(first, last));
  }

  async loadModels(): Promise<void> {
    const models = await this.app.attempt(() => this.app.api.call('models.list'));
    if (!models) return;
    this.models = models;
    if (this.modelId === null && models[0]) this.modelId = models[0].id;
  }

  async refresh(): Promise<void> {
    const modelId = this.modelId;
    if (modelId === null) return;
    // A new model, threshold or order: every page is fetched again, the first one now.
    this.list.reset();
    const [first, evaluation] = await Promise.all([
      this.app.attempt(() => this.list.load(0)),
      this.app.attempt(() => this.app.api.call('review.evaluate', { modelId })),
    ]);
    if (modelId !== this.modelId) return;
    if (first && this.imageId === null && first[0]) this.imageId = first[0].imageId;
    if (evaluation) this.evaluation = evaluation;
    await this.loadImage();
  }

  /** Shows one image of the list. */
  async show(imageId: number): Promise<void> {
    this.imageId = imageId;
    await this.loadImage();
  }

  async loadImage(): Promise<void> {
    const { modelId, imageId } = this;
    if (modelId === null || imageId === null) return;
    const [labels, review, image] = await Promise.all([
      this.app.attempt(() => this.app.api.call('boxes.get', { imageId })),
      this.app.attempt(() =>
        this.app.api.call('review.image', { modelId, imageId, scoreThreshold: this.threshold }),
      ),
      this.size && this.#sizeOf === imageId
        ? null
        : this.app.attempt(() => this.app.api.call('images.get', { id: imageId })),
    ]);
    if (imageId !== this.imageId || !labels || !review) return;
    if (image) {
      this.size = { width: image.width, height: image.height };
      this.#sizeOf = imageId;
    }
    this.labels = labels;
    this.predictions = review.predictions;
    this.missed = review.missedBoxIds;
    this.labeled = review.labeled;
  }

  /** Runs the model over some images, then says what it found, and shows the new results. */
  async predict(scope: 'unlabeled' | 'all' | 'val'): Promise<void> {
    if (this.modelId === null) return;
    const modelId = this.modelId;
    this.predicting = true;
    this.notice = null;
    try {
      const r = await this.app.attempt(() => this.app.api.call('predict.run', { modelId, scope }));
      if (r) {
        const name = this.models.find((m) => m.id === modelId)?.name ?? `Model ${modelId}`;
        const text =
          r.images === 0
            ? `${name}: no ${scope === 'all' ? '' : `${scope === 'val' ? 'validation' : 'unlabeled'} `}images to predict.`
            : `${name} predicted ${r.images} image${r.images === 1 ? '' : 's'}: ${r.predictions} detection${r.predictions === 1 ? '' : 's'}, shown here and as suggestions in Annotate.`;
        this.notice = { text, details: [] };
      }
      await this.refresh();
    } finally {
      this.predicting = false;
    }
  }

  /** Another model: its list and numbers from the first image. */
  async chooseModel(modelId: number): Promise<void> {
    this.modelId = modelId;
    this.imageId = null;
    await this.refresh();
  }
}
