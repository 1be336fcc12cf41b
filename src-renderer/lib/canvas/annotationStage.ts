import Konva from 'konva';
import type { BoxXYWH } from '../../../src-main/shared/api/project';
import {
  boxFromCorners,
  clampPoint,
  isBigEnough,
  MIN_BOX_SIZE,
  moveInside,
  resizedBox,
} from '../../../src-main/shared/geometry';
import { BoxMotion } from './boxMotion';
import { ScaledImage } from './scaledImage';
import { BoxTags } from './boxTags';

export type BoxStyle = 'label' | 'suggestion' | 'tp' | 'fp' | 'fn';

/** A box as the stage draws it; `key` stands for the box however often it is saved. */
export interface StageBox extends BoxXYWH {
  key: string;
  color: string;
  /** What the box is, shown beside it when it is selected and when the pointer is over it. */
  label: string;
  style: BoxStyle;
  /** A few characters always drawn on the box's corner (a suggestion's or a detection's score). */
  tag?: string;
}

export interface StageCallbacks {
  onCreate?(box: BoxXYWH): void;
  onChange?(key: string, box: BoxXYWH): void;
  onSelect?(key: string | null): void;
  onContextMenu?(key: string, clientX: number, clientY: number): void;
  /** The pointer came over a box (its key and where, in container pixels), or left every box (null). */
  onHover?(hover: { key: string; x: number; y: number } | null): void;
  /** A drag in draw mode too small to be a box: nothing was made. */
  onTooSmall?(minSize: number): void;
  /** Scale or position changed (for overlays that follow the image). */
  onView?(view: { scale: number; x: number; y: number }): void;
  /** Pointer over the image, in image pixels (null when it leaves). */
  onPointer?(point: { x: number; y: number } | null): void;
}

export type Tool = 'select' | 'draw' | 'view';

const ZOOM_STEP = 1.15;
/** How far outside a box, in screen pixels, a right-click still means that box (its stroke and a bit). */
const PICK_TOLERANCE_PX = 4;
/** Fitting never enlarges an image past its own pixels: only the user zooms in further. */
const MAX_FIT_SCALE = 1;
const DASH: Record<BoxStyle, number[] | undefined> = {
  label: undefined,
  suggestion: [6, 4],
  tp: undefined,
  fp: [2, 3],
  fn: [8, 3, 2, 3],
};

/**
 * The annotation canvas: an image and its boxes on a Konva stage, with zoom to the cursor (wheel),
 * pan (space-drag or middle button), drawing, selection, move and resize. All Konva code of the app
 * lives in lib/canvas; views talk to this class only.
 */
export class AnnotationStage {
  readonly stage: Konva.Stage;
  // Every canvas shown costs each frame of a pan or zoom: the image and the heatmap overlay share the
  // boxes' canvas, and the overlay layer is hidden while empty.
  readonly #boxLayer = new Konva.Layer();
  readonly #motion: BoxMotion;
  readonly #tags = new BoxTags();
  readonly #overlayLayer = new Konva.Layer({ listening: false, visible: false });
  readonly #picture = new ScaledImage();
  readonly #image = this.#picture.node;
  // Heatmaps are a few cells per stride: nearest-neighbour keeps cells crisp when zoomed.
  readonly #overlay = new Konva.Image({
    image: undefined,
    listening: false,
    visible: false,
    sceneFunc: (context, shape) => {
      const image = (shape as Konva.Image).image() as HTMLCanvasElement | undefined;
      if (!image) return;
      const crop = (shape.getAttr('source') as { width: number; height: number } | undefined) ?? image;
      context._context.imageSmoothingEnabled = false; // Konva restores the context after each shape
      context.drawImage(image, 0, 0, crop.width, crop.height, 0, 0, shape.width(), shape.height());
    },
  });
  readonly #transformer: Konva.Transformer;
  readonly #rects = new Map<string, Konva.Rect>();
  readonly #boxes = new Map<string, StageBox>();
  readonly #cb: StageCallbacks;
  readonly #container: HTMLDivElement;
  #imageSize = { width: 1, height: 1 };
  #tool: Tool = 'select';
  #selected: string | null = null;
  #drawing: { start: { x: number; y: number }; rect: Konva.Rect } | null = null;
  #panning: { x: number; y: number } | null = null;
  #spaceDown = false;
  #label = new Konva.Label({ visible: false, listening: false });
  #hovered: string | null = null;

  constructor(container: HTMLDivElement, callbacks: StageCallbacks) {
    this.#container = container;
    this.#cb = callbacks;
    this.stage = new Konva.Stage({ container, width: container.clientWidth, height: container.clientHeight });
    this.#transformer = new Konva.Transformer({
      rotateEnabled: false,
      flipEnabled: false,
      keepRatio: false,
      ignoreStroke: true,
      anchorSize: 8,
      borderStrokeWidth: 1,
      // Boxes in absolute (screen) pixels: a box stays at least MIN_BOX_SIZE image pixels a side.
      boundBoxFunc: (oldBox, newBox) =>
        isBigEnough({ w: newBox.width / this.scale, h: newBox.height / this.scale }) ? newBox : oldBox,
    });
    this.#label.add(new Konva.Tag({ fill: '#000000cc', cornerRadius: 2 }));
    this.#label.add(new Konva.Text({ text: '', fontSize: 12, padding: 3, fill: '#fff' }));
    this.#motion = new BoxMotion(this.#boxLayer, {
      onRest: () => {
        this.#transformer.forceUpdate();
        this.#refreshImage();
        // Once the hit graph is back (drawn right after this): a box now under a pointer that did
        // not move since the pan or zoom gets its tip, as it would on the next move.
        queueMicrotask(() => this.#hoverAtPointer());
      },
      followers: [this.#transformer],
    });
    this.#boxLayer.add(this.#image, this.#overlay, ...this.#motion.nodes, this.#tags.node, this.#transformer);
    this.#overlayLayer.add(this.#label);
    this.stage.add(this.#boxLayer, this.#overlayLayer);
    this.#bindEvents();
  }

  get scale(): number {
    return this.stage.scaleX();
  }

  resize(width: number, height: number): void {
    this.stage.size({ width, height });
  }

  async setImage(url: string, width: number, height: number): Promise<void> {
    this.#imageSize = { width, height };
    const img = await loadImage(url);
    this.#picture.set(img, width, height);
    this.#boxLayer.batchDraw();
  }

  /** A copy of the image at the size the view shows it, drawn in its place (cheaper every frame). */
  #refreshImage(): void {
    this.#picture.refresh(this.scale * window.devicePixelRatio, () => this.#boxLayer.batchDraw());
  }

  /**
   * Shows an RGBA overlay (e.g. a heatmap) over the whole image: the part `source` of the canvas (its
   * top-left, in canvas pixels, fractions allowed; default all of it) stretched over the image's own
   * pixels. null removes it.
   */
  setOverlay(
    canvas: HTMLCanvasElement | null,
    opacity = 0.6,
    source?: { width: number; height: number },
  ): void {
    const size = this.#imageSize;
    this.#overlay.setAttrs({
      image: canvas ?? undefined,
      visible: canvas !== null,
      opacity,
      source,
      ...size,
    });
    // What the overlay covers, in image pixels, for tests and tools.
    if (canvas) this.#container.dataset.overlay = `${size.width}x${size.height}`;
    else delete this.#container.dataset.overlay;
    this.#boxLayer.batchDraw();
  }

  setTool(tool: Tool): void {
    this.#tool = tool;
    this.#container.style.cursor = tool === 'draw' ? 'crosshair' : 'default';
    for (const [key, rect] of this.#rects) rect.draggable(tool === 'select' && key === this.#selected);
  }

  /** Keyed update: nodes are reused, so a 2,000-box image re-renders without rebuilding. */
  setBoxes(boxes: StageBox[]): void {
    this.#tags.set(boxes);
    const seen = new Set<string>();
    for (const box of boxes) {
      seen.add(box.key);
      this.#boxes.set(box.key, box);
      let rect = this.#rects.get(box.key);
      if (!rect) {
        rect = new Konva.Rect({
          strokeScaleEnabled: false,
          perfectDrawEnabled: false,
          shadowForStrokeEnabled: false,
        });
        rect.setAttr('boxKey', box.key);
        this.#attachRectEvents(rect);
        this.#rects.set(box.key, rect);
        this.#motion.group.add(rect);
      }
      const selected = box.key === this.#selected;
      rect.setAttrs({
        x: box.x,
        y: box.y,
        width: box.w,
        height: box.h,
        stroke: box.color,
        strokeWidth: selected ? 3 : 2,
        dash: DASH[box.style],
        // Outlines only, so the image stays visible under many boxes; a fully transparent fill still
        // counts for hits: a box is picked by its inside, not only its edge.
        fill: hexAlpha(box.color, selected ? 0.18 : 0),
        draggable: this.#tool === 'select' && selected,
      });
    }
    for (const [key, rect] of this.#rects) {
      if (!seen.has(key)) {
        rect.destroy();
        this.#rects.delete(key);
        this.#boxes.delete(key);
      }
    }
    if (this.#selected && !this.#rects.has(this.#selected)) this.#selected = null;
    if (this.#hovered && !this.#rects.has(this.#hovered)) this.#hover(null);
    this.#describe(boxes);
    this.#syncSelection();
  }

  /** What the stage draws, on its element, for tests and tools: boxes per style, and the tags. */
  #describe(boxes: readonly StageBox[]): void {
    const counts = new Map<BoxStyle, number>();
    for (const b of boxes) counts.set(b.style, (counts.get(b.style) ?? 0) + 1);
    this.#container.dataset.boxes = [...counts].map(([style, n]) => `${style}:${n}`).join(' ');
    this.#container.dataset.tags = boxes.flatMap((b) => (b.tag ? [b.tag] : [])).join('|');
  }

  setSelected(key: string | null): void {
    if (key === this.#selected) return;
    this.#selected = key;
    const boxes = [...this.#boxes.values()];
    this.setBoxes(boxes);
  }

  /** The whole image in view, centred: as large as fits, but never past 100 %. */
  fit(): void {
    const { width, height } = this.stage.size();
    const s = Math.min(
      MAX_FIT_SCALE,
      Math.min(width / this.#imageSize.width, height / this.#imageSize.height) * 0.96,
    );
    this.stage.scale({ x: s, y: s });
    this.stage.position({
      x: (width - this.#imageSize.width * s) / 2,
      y: (height - this.#imageSize.height * s) / 2,
    });
    this.#viewChanged();
  }

  /** Zoom by `factor` keeping the image point under `screen` still. */
  zoomAt(factor: number, screen: { x: number; y: number }): void {
    const old = this.stage.scaleX();
    const next = Math.min(64, Math.max(0.02, old * factor));
    const anchor = { x: (screen.x - this.stage.x()) / old, y: (screen.y - this.stage.y()) / old };
    this.stage.scale({ x: next, y: next });
    this.stage.position({ x: screen.x - anchor.x * next, y: screen.y - anchor.y * next });
    this.#viewChanged();
  }

  panBy(dx: number, dy: number): void {
    this.stage.position({ x: this.stage.x() + dx, y: this.stage.y() + dy });
    this.#viewChanged();
  }

  /** Image pixels → screen pixels relative to the container. */
  toScreen(p: { x: number; y: number }): { x: number; y: number } {
    return { x: p.x * this.scale + this.stage.x(), y: p.y * this.scale + this.stage.y() };
  }

  destroy(): void {
    this.#motion.dispose();
    this.#motion.group.destroy(); // out of the stage while the view moves
    this.#picture.dispose();
    window.removeEventListener('keydown', this.#onKeyDown);
    window.removeEventListener('keyup', this.#onKeyUp);
    this.stage.destroy();
  }

  #viewChanged(): void {
    this.#motion.moved();
    if (this.#hovered) this.#hover(null);
    this.stage.batchDraw();
    this.#cb.onView?.({ scale: this.stage.scaleX(), x: this.stage.x(), y: this.stage.y() });
  }

  #syncSelection(): void {
    const rect = this.#selected ? this.#rects.get(this.#selected) : undefined;
    const box = this.#selected ? this.#boxes.get(this.#selected) : undefined;
    this.#transformer.nodes(
      rect && this.#tool === 'select' && (box?.style === 'label' || box?.style === 'suggestion')
        ? [rect]
        : [],
    );
    this.#transformer.moveToTop();
    if (rect && box) {
      this.#label.visible(true);
      (this.#label.getText() as Konva.Text).text(box.label);
      this.#placeLabel(rect);
    } else {
      this.#label.visible(false);
    }
    this.#boxLayer.batchDraw();
    this.#syncOverlayLayer();
  }

  #syncOverlayLayer(): void {
    this.#overlayLayer.visible(this.#label.visible() || this.#drawing !== null);
    this.#overlayLayer.batchDraw();
  }

  #placeLabel(rect: Konva.Rect): void {
    this.#label.position({ x: rect.x(), y: rect.y() });
    this.#label.scale({ x: 1 / this.scale, y: 1 / this.scale });
    this.#label.offsetY(this.#label.height());
  }

  #hover(key: string | null): void {
    this.#hovered = key;
    const rect = key ? this.#rects.get(key) : undefined;
    if (!key || !rect) return this.#cb.onHover?.(null);
    const at = this.toScreen({ x: rect.x(), y: rect.y() + rect.height() * rect.scaleY() });
    this.#cb.onHover?.({ key, x: at.x, y: at.y });
  }

  /** Hovers the box under the pointer's last position on the stage, if any. */
  #hoverAtPointer(): void {
    const pointer = this.stage.getPointerPosition();
    if (!pointer || this.#motion.moving) return;
    const key = this.#boxLayer.getIntersection(pointer)?.getAttr('boxKey') as string | undefined;
    if (key && this.#rects.has(key) && key !== this.#hovered) this.#hover(key);
  }

  #attachRectEvents(rect: Konva.Rect): void {
    rect.on('mouseenter', () => this.#hover(rect.getAttr('boxKey') as string));
    rect.on('mouseleave', () => {
      if (this.#hovered === rect.getAttr('boxKey')) this.#hover(null);
    });
    rect.on('mousedown touchstart', (e) => {
      // Left button only: the middle one pans, the right one opens the box's menu.
      if (this.#tool !== 'select' || this.#spaceDown || (e.evt as MouseEvent).button !== 0) return;
      e.cancelBubble = true;
      const key = rect.getAttr('boxKey') as string;
      if (key !== this.#selected) {
        this.#cb.onSelect?.(key);
      }
    });
    rect.on('dragmove', () => {
      const inside = moveInside(
        { x: rect.x(), y: rect.y(), w: rect.width(), h: rect.height() },
        this.#imageSize,
      );
      rect.position({ x: inside.x, y: inside.y });
      this.#placeLabel(rect);
    });
    rect.on('dragend transformend', () => this.#emitChange(rect));
  }

  #emitChange(rect: Konva.Rect): void {
    // The transformer scales the node; fold the scale into the size so boxes stay axis-aligned pixels.
    const box = resizedBox(
      { x: rect.x(), y: rect.y(), w: rect.width() * rect.scaleX(), h: rect.height() * rect.scaleY() },
      this.#imageSize,
    );
    rect.scale({ x: 1, y: 1 });
    rect.setAttrs({ x: box.x, y: box.y, width: box.w, height: box.h });
    this.#cb.onChange?.(rect.getAttr('boxKey') as string, box);
  }

  /**
   * The topmost labeled box under an image point, its outline included (the stroke is drawn a pixel
   * or two outside the box, and that is where people click). The menu of a box (Inspect) is about
   * labels, and suggestions drawn over them must not hide them from it.
   */
  #labelAt(p: { x: number; y: number } | null): string | null {
    if (!p) return null;
    const t = PICK_TOLERANCE_PX / this.scale;
    const keys = [...this.#rects.keys()];
    for (let i = keys.length - 1; i >= 0; i--) {
      const b = this.#boxes.get(keys[i]!);
      if (
        b?.style === 'label' &&
        p.x >= b.x - t &&
        p.y >= b.y - t &&
        p.x <= b.x + b.w + t &&
        p.y <= b.y + b.h + t
      )
        return b.key;
    }
    return null;
  }

  #imagePoint(): { x: number; y: number } | null {
    return this.stage.getRelativePointerPosition();
  }

  readonly #onKeyDown = (e: KeyboardEvent) => {
    if (e.code === 'Space' && !this.#spaceDown && !isEditable(e.target)) {
      this.#spaceDown = true;
      this.#container.style.cursor = 'grab';
      e.preventDefault();
    }
  };

  readonly #onKeyUp = (e: KeyboardEvent) => {
    if (e.code === 'Space') {
      this.#spaceDown = false;
      this.#container.style.cursor = this.#tool === 'draw' ? 'crosshair' : 'default';
    }
  };

  #bindEvents(): void {
    window.addEventListener('keydown', this.#onKeyDown);
    window.addEventListener('keyup', this.#onKeyUp);
    this.stage.on('wheel', (e) => {
      e.evt.preventDefault();
      const pointer = this.stage.getPointerPosition();
      if (!pointer) return;
      const factor = e.evt.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP;
      this.zoomAt(e.evt.ctrlKey ? factor * factor : factor, pointer);
    });
    // Before Konva's own listeners (on its content element) look up the box under the pointer.
    this.#container.addEventListener(
      'pointerdown',
      (e) => {
        if (e.button !== 1 && !this.#spaceDown) this.#motion.rest();
      },
      true,
    );
    this.stage.on('mousedown', (e) => {
      const ev = e.evt;
      if (ev.button === 1 || (ev.button === 0 && this.#spaceDown)) {
        ev.preventDefault();
        this.#panning = { x: ev.clientX, y: ev.clientY };
        return;
      }
      if (ev.button !== 0) return;
      const p = this.#imagePoint();
      if (!p) return;
      if (this.#tool === 'draw') {
        const start = clampPoint(p, this.#imageSize);
        const rect = new Konva.Rect({
          ...start,
          width: 0,
          height: 0,
          stroke: '#ffffff',
          dash: [4, 4],
          strokeWidth: 1,
          strokeScaleEnabled: false,
          listening: false,
        });
        this.#overlayLayer.add(rect);
        this.#drawing = { start, rect };
        this.#syncOverlayLayer();
      } else if (e.target === this.stage || e.target === this.#image) {
        this.#cb.onSelect?.(null);
      }
    });
    this.stage.on('mousemove', (e) => {
      const ev = e.evt;
      if (this.#panning) {
        this.panBy(ev.clientX - this.#panning.x, ev.clientY - this.#panning.y);
        this.#panning = { x: ev.clientX, y: ev.clientY };
        return;
      }
      const p = this.#imagePoint();
      if (p) {
        const inside = p.x >= 0 && p.y >= 0 && p.x < this.#imageSize.width && p.y < this.#imageSize.height;
        this.#cb.onPointer?.(inside ? p : null);
      }
      if (this.#drawing && p) {
        const { start, rect } = this.#drawing;
        const b = boxFromCorners(start, p, this.#imageSize);
        rect.setAttrs({ x: b.x, y: b.y, width: b.w, height: b.h });
        this.#overlayLayer.batchDraw();
      }
    });
    const finish = () => {
      this.#panning = null;
      if (!this.#drawing) return;
      const { rect } = this.#drawing;
      this.#drawing = null;
      const box = { x: rect.x(), y: rect.y(), w: rect.width(), h: rect.height() };
      rect.destroy();
      this.#syncOverlayLayer();
      if (isBigEnough(box)) this.#cb.onCreate?.(box);
      else this.#cb.onTooSmall?.(MIN_BOX_SIZE);
    };
    this.stage.on('mouseup', finish);
    this.stage.on('mouseleave', () => {
      this.#cb.onPointer?.(null);
      this.#hover(null);
      finish();
    });
    // One handler for the menu of a box, wherever the click lands: on a label, on its outline, or on
    // a suggestion drawn over it, the label is meant; a suggestion alone is passed as itself.
    this.stage.on('contextmenu', (e) => {
      e.evt.preventDefault();
      const hit =
        e.target === this.stage
          ? undefined
          : ((e.target as Konva.Node).getAttr('boxKey') as string | undefined);
      const key = this.#labelAt(this.#imagePoint()) ?? hit;
      if (key) this.#cb.onContextMenu?.(key, e.evt.clientX, e.evt.clientY);
    });
  }
}

function hexAlpha(hex: string, alpha: number): string {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `${hex.slice(0, 7)}${a}`;
}

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.isContentEditable)
  );
}

const imageCache = new Map<string, Promise<HTMLImageElement>>();

/** Loads (and remembers) an image; used to prefetch the neighbours of the current image. */
export function loadImage(url: string): Promise<HTMLImageElement> {
  let p = imageCache.get(url);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.decoding = 'async';
      img.onload = () => resolve(img);
      img.onerror = () => {
        imageCache.delete(url);
        reject(new Error(`Cannot load image ${url}`));
      };
      img.src = url;
    });
    imageCache.set(url, p);
    if (imageCache.size > 12) imageCache.delete(imageCache.keys().next().value!);
  }
  return p;
}
