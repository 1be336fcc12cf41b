import Konva from 'konva';

/** The view has come to rest this long after its last pan or zoom. */
const REST_MS = 150;

/**
 * The box rects of the annotation stage, and how they are drawn while the view pans or zooms. Then
 * every frame redraws every box, and Konva's per-shape drawing (a save, a transform reset and a
 * restore for every unscaled stroke, then a path stroke) costs ~15 µs a box here: 2,000 boxes took
 * two frames, and the hit graph, a second drawing of every box that only pointer lookups need, as
 * much again. While the view moves, the rects are hidden behind a stand-in that draws them all in one
 * pass, and the hit graph waits; both return when the view rests, or at once when a button goes down.
 * The rects are taken out of the layer meanwhile: each move of the stage otherwise walks all of them
 * to forget their cached transforms (Konva's _clearSelfAndDescendantCache), for nothing.
 */
export class BoxMotion {
  /** Holds the rects: one Konva.Rect per box, in drawing order. */
  readonly group = new Konva.Group();
  readonly #standIn = new Konva.Shape({
    listening: false,
    visible: false,
    // The rects have no transform of their own: the layer's is theirs, in the layer or out of it.
    sceneFunc: (context) => drawRects(context, this.group, this.#layer.getAbsoluteTransform()),
  });
  readonly #layer: Konva.Layer;
  readonly #onRest: () => void;
  /** Nodes that follow the rects (the selection's handles): hidden while the rects are out. */
  readonly #followers: Konva.Node[];
  #moving = false;
  #timer = 0;

  /** `onRest`: the view has come to rest (after its last pan or zoom). */
  constructor(layer: Konva.Layer, options: { onRest?: () => void; followers?: Konva.Node[] } = {}) {
    this.#layer = layer;
    this.#onRest = options.onRest ?? (() => {});
    this.#followers = options.followers ?? [];
  }

  /** Whether the rects are out of the layer (the view is moving). */
  get moving(): boolean {
    return this.#moving;
  }

  /** What to add to the layer, in this order. */
  get nodes(): [Konva.Group, Konva.Shape] {
    return [this.group, this.#standIn];
  }

  /** The view moved: draw the stand-in until it rests. */
  moved(): void {
    window.clearTimeout(this.#timer);
    this.#timer = window.setTimeout(this.rest, REST_MS);
    if (this.#moving) return;
    this.#moving = true;
    this.#layer.listening(false);
    this.#index = this.group.zIndex();
    this.group.remove();
    for (const node of this.#followers) node.visible(false);
    this.#standIn.visible(true);
  }

  #index = 0;

  /** Konva's own drawing and the hit graph, now (synchronously: a pointer lookup may follow). */
  readonly rest = (): void => {
    window.clearTimeout(this.#timer);
    if (!this.#moving) return;
    this.#moving = false;
    this.#standIn.visible(false);
    this.#layer.add(this.group);
    this.group.zIndex(this.#index);
    for (const node of this.#followers) node.visible(true);
    this.#onRest();
    this.#layer.listening(true);
    this.#layer.draw();
  };

  dispose(): void {
    window.clearTimeout(this.#timer);
  }
}

/**
 * Draws the rects of `group` as Konva would: same order, geometry, colours, fills, dashes and
 * screen-space stroke widths, with rectangle strokes on the plain canvas and boxes outside it
 * skipped (a fifth of the time). Edge pixels are antialiased by the canvas's rectangle routine,
 * within a few levels of Konva's path strokes. Only for rects as the annotation stage makes them:
 * strokeScaleEnabled false, no shadow, no corner radius.
 */
function drawRects(context: Konva.Context, group: Konva.Group, transform: Konva.Transform): void {
  const canvas = context.getCanvas();
  const ratio = canvas.getPixelRatio();
  const width = canvas.width / ratio;
  const height = canvas.height / ratio;
  const [a = 1, , , d = 1, e = 0, f = 0] = transform.getMatrix();
  const ctx = context._context;
  ctx.save();
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.setLineDash([]);
  let dash: number[] | undefined;
  let lineWidth = -1;
  for (const node of group.getChildren()) {
    if (!(node instanceof Konva.Rect) || !node.visible()) continue;
    const x = a * node.x() + e;
    const y = d * node.y() + f;
    const w = a * node.width() * node.scaleX();
    const h = d * node.height() * node.scaleY();
    const sw = node.strokeWidth();
    if (x - sw > width || y - sw > height || x + w + sw < 0 || y + h + sw < 0) continue;
    const fill = node.fill() as string | undefined;
    // A transparent fill (#rrggbb00) is only there for hits.
    if (fill && !(fill.length === 9 && fill.endsWith('00'))) {
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, w, h);
    }
    const stroke = node.stroke() as string | undefined;
    if (!stroke || !sw) continue;
    const nodeDash = node.dashEnabled() ? node.dash() : undefined;
    if (nodeDash !== dash) {
      ctx.setLineDash(nodeDash ?? []);
      dash = nodeDash;
    }
    if (sw !== lineWidth) {
      ctx.lineWidth = sw;
      lineWidth = sw;
    }
    ctx.strokeStyle = stroke;
    ctx.strokeRect(x, y, w, h);
  }
  ctx.restore();
}
