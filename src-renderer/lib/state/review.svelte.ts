import type { Box } from '../../../src-main/shared/api/project';
import type {
  ModelEvaluation,
  ModelInfo,
  Prediction,
  ReviewRow,
} from '../../../src-main/shared/api/training';
import type { AppState } from './app.svelte';

export type ReviewSort = 'errors' | 'uncertainty' | 'name';

/** The Review view: a model, its stored predictions against the labels, image by image. */
export class ReviewState {
  models = $state.raw<ModelInfo[]>([]);
  modelId = $state<number | null>(null);
  threshold = $state(0.3);
  sort = $state<ReviewSort>('errors');
  rows = $state.raw<ReviewRow[]>([]);
  total = $state(0);
  evaluation = $state.raw<ModelEvaluation | null>(null);
  imageId = $state<number | null>(null);
  labels = $state.raw<Box[]>([]);
  predictions = $state.raw<Array<Prediction & { matchedBoxId: number | null }>>([]);
  missed = $state.raw<number[]>([]);
  predicting = $state(false);

  constructor(private readonly app: AppState) {}

  async loadModels(): Promise<void> {
    const models = await this.app.attempt(() => this.app.api.call('models.list'));
    if (!models) return;
    this.models = models;
    if (this.modelId === null && models[0]) this.modelId = models[0].id;
  }

  async refresh(): Promise<void> {
    const modelId = this.modelId;
    if (modelId === null) return;
    const [page, evaluation] = await Promise.all([
      this.app.attempt(() =>
        this.app.api.call('review.images', {
          modelId,
          scoreThreshold: this.threshold,
          sort: this.sort,
          limit: 500,
        }),
      ),
      this.app.attempt(() => this.app.api.call('review.evaluate', { modelId })),
    ]);
    if (modelId !== this.modelId) return;
    if (page) {
      this.rows = page.items;
      this.total = page.total;
      if (this.imageId === null && page.items[0]) this.imageId = page.items[0].imageId;
    }
    if (evaluation) this.evaluation = evaluation;
    await this.loadImage();
  }

  async loadImage(): Promise<void> {
    const { modelId, imageId } = this;
    if (modelId === null || imageId === null) return;
    const [labels, review] = await Promise.all([
      this.app.attempt(() => this.app.api.call('boxes.get', { imageId })),
      this.app.attempt(() =>
        this.app.api.call('review.image', { modelId, imageId, scoreThreshold: this.threshold }),
      ),
    ]);
    if (imageId !== this.imageId || !labels || !review) return;
    this.labels = labels;
    this.predictions = review.predictions;
    this.missed = review.missedBoxIds;
  }

  async predict(scope: 'unlabeled' | 'all' | 'val'): Promise<void> {
    if (this.modelId === null) return;
    const modelId = this.modelId;
    this.predicting = true;
    try {
      await this.app.attempt(() => this.app.api.call('predict.run', { modelId, scope }));
      await this.refresh();
    } finally {
      this.predicting = false;
    }
  }
}
