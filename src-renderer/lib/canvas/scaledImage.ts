import Konva from 'konva';

/** Below this many device pixels per image pixel, the image is drawn from a copy made at that size. */
const DOWNSCALED_BELOW = 0.9;

/**
 * The annotation stage's image. A full-HD photo drawn scaled down costs each frame of a pan or zoom
 * a resampling of millions of pixels; at rest the stage keeps a copy at the size it is shown, and
 * frames draw that copy instead: about a pixel of source per pixel of screen. While the view zooms
 * the last copy is stretched until the next rest. The copy is decoded from the file's bytes
 * (createImageBitmap of a Blob, on a background thread): made from the <img>, Chromium scales it on
 * the main thread, 25–80 ms here, a visible stall after every pan.
 */
export class ScaledImage {
  readonly node = new Konva.Image({
    x: 0,
    y: 0,
    image: undefined,
    listening: false,
    sceneFunc: (context, shape) => {
      const source = this.#copy?.bitmap ?? this.#source;
      if (!source) return;
      context.drawImage(source, 0, 0, shape.width(), shape.height());
    },
  });
  #source: HTMLImageElement | null = null;
  #bytes: Promise<Blob> | null = null;
  #copy: { bitmap: ImageBitmap; scale: number } | null = null;
  #seq = 0;

  set(image: HTMLImageElement, width: number, height: number): void {
    this.#seq++;
    this.#drop();
    this.#source = image;
    this.#bytes = null;
    this.node.image(image);
    this.node.size({ width, height });
  }

  /** The view rests at `scale` (device pixels per image pixel): a copy at that size, if it helps. */
  refresh(scale: number, redraw: () => void): void {
    const source = this.#source;
    if (!source) return;
    if (scale >= DOWNSCALED_BELOW) {
      if (this.#copy) {
        this.#drop();
        redraw();
      }
      return;
    }
    if (this.#copy && Math.abs(this.#copy.scale - scale) / scale < 0.02) return;
    const seq = ++this.#seq;
    const width = Math.max(1, Math.round(this.node.width() * scale));
    const height = Math.max(1, Math.round(this.node.height() * scale));
    // The browser's cache has the bytes: the <img> was loaded from the same address.
    this.#bytes ??= fetch(source.src).then((r) =>
      r.ok ? r.blob() : Promise.reject(new Error(r.statusText)),
    );
    void this.#bytes
      .then((blob) =>
        createImageBitmap(blob, { resizeWidth: width, resizeHeight: height, resizeQuality: 'medium' }),
      )
      .then(
        (bitmap) => {
          if (seq !== this.#seq) return bitmap.close();
          this.#drop();
          this.#copy = { bitmap, scale };
          redraw();
        },
        // No copy (the bytes could not be read): the image itself is drawn, as it was.
        () => {},
      );
  }

  #drop(): void {
    this.#copy?.bitmap.close();
    this.#copy = null;
  }

  dispose(): void {
    this.#seq++;
    this.#drop();
  }
}
