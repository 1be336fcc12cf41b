import type { Box } from '../../../src-main/shared/api/project';
import type { InspectResult, ModelInfo } from '../../../src-main/shared/api/training';
import type { AppState } from './app.svelte';
import { levelMax } from './levelExtent';

export type Quantity = keyof InspectResult['maps'];

export const DW_QUANTITIES: Quantity[] = ['score', 'iou', 'prior', 'wPos', 'wNeg'];
export const FCOS_QUANTITIES: Quantity[] = ['score', 'iou', 'fcosPositive', 'fcosCenterness'];

export const QUANTITY_LABELS: Record<Quantity, string> = {
  score: 'score s (GT class)',
  iou: 'IoU with label',
  prior: 'centre prior',
  wPos: 'w_pos',
  wNeg: 'w_neg',
  fcosPositive: 'FCOS positive',
  fcosCenterness: 'FCOS centerness target',
};

/** The value of every quantity at one point of one level, for the readout under the cursor. */
export interface PointReadout {
  level: number;
  stride: number;
  row: number;
  col: number;
  values: Record<Quantity, number>;
}

/** Which point of `level` covers an image pixel (points sit at (j + 0.5)·s in network pixels). */
export function pointAt(
  result: InspectResult,
  level: number,
  imageX: number,
  imageY: number,
): PointReadout | null {
  const l = result.levels[level];
  if (!l) return null;
  const col = Math.floor((imageX * result.scale) / l.stride);
  const row = Math.floor((imageY * result.scale) / l.stride);
  if (row < 0 || col < 0 || row >= l.height || col >= l.width) return null;
  const index = l.offset + row * l.width + col;
  const values = Object.fromEntries(
    (Object.keys(result.maps) as Quantity[]).map((q) => [q, result.maps[q][index]!]),
  ) as Record<Quantity, number>;
  return { level, stride: l.stride, row, col, values };
}

/** The Inspect view: per-level DW weights (or FCOS targets) of one labeled box under one model. */
export class InspectState {
  models = $state.raw<ModelInfo[]>([]);
  modelId = $state<number | null>(null);
  imageId = $state<number | null>(null);
  boxes = $state.raw<Box[]>([]);
  boxId = $state<number | null>(null);
  result = $state.raw<InspectResult | null>(null);
  mode = $state<'dw' | 'fcos'>('dw');
  quantity = $state<Quantity>('wPos');
  level = $state(0);
  running = $state(false);
  readout = $state.raw<PointReadout | null>(null);
  /** The image's size in pixels: the maps are shown over it, through the letterbox. */
  size = $state.raw<{ width: number; height: number } | null>(null);
  /** Each tile coloured from 0 to its own maximum (else one scale for a whole row). */
  perLevel = $state(false);

  constructor(private readonly app: AppState) {}

  async loadModels(): Promise<void> {
    const all = await this.app.attempt(() => this.app.api.call('models.list'));
    if (!all) return;
    // An imported model has detections but no network to look into.
    const models = all.filter((m) => m.source === 'trained');
    this.models = models;
    if (this.modelId === null && models[0]) this.modelId = models[0].id;
  }

  async setImage(imageId: number, boxId: number | null = null): Promise<void> {
    this.imageId = imageId;
    this.result = null;
    this.size = null;
    const [boxes, image] = await Promise.all([
      this.app.attempt(() => this.app.api.call('boxes.get', { imageId })),
      this.app.attempt(() => this.app.api.call('images.get', { id: imageId })),
    ]);
    if (!boxes || !image || this.imageId !== imageId) return;
    this.boxes = boxes;
    this.size = { width: image.width, height: image.height };
    this.boxId = boxId ?? boxes[0]?.id ?? null;
  }

  async run(): Promise<void> {
    const { modelId, imageId, boxId } = this;
    if (modelId === null || imageId === null || boxId === null) return;
    this.running = true;
    performance.mark('inspect:request');
    try {
      const result = await this.app.attempt(() =>
        this.app.api.call('inspect.run', { modelId, imageId, boxId }),
      );
      if (result && this.boxId === boxId) {
        this.result = result;
        if (this.level >= result.levels.length) this.level = 0;
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The largest value of a quantity on one level, over the points that look at the image (the
   * padding of the letterbox left out); 0 when there is nothing.
   */
  levelMaxOf(q: Quantity, level: number): number {
    const r = this.result;
    if (!r || !this.size || !r.levels[level]) return 0;
    return Math.max(0, levelMax(r, r.maps[q], level, this.size));
  }

  /** The same over every level: a row's maximum. */
  maxOf(q: Quantity): number {
    return Math.max(0, ...(this.result?.levels.map((_, l) => this.levelMaxOf(q, l)) ?? []));
  }

  /** The top of the colour scale of a tile: its own maximum, or its row's (never 0: all dark then). */
  scaleTop(q: Quantity, level: number): number {
    const m = this.perLevel ? this.levelMaxOf(q, level) : this.maxOf(q);
    return m > 0 ? m : 1;
  }
}
