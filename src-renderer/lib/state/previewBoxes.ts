/** One outline path per class: the boxes of a row of thumbnails in a few SVG elements. */
export interface PreviewPath {
  color: string;
  d: string;
}

export interface PreviewImage {
  width: number;
  height: number;
  /** [classId, x, y, w, h] per box, in image pixels (ImageInfo.preview). */
  preview: readonly number[];
}

/**
 * The boxes of one row of Library thumbnails, in the row's own CSS pixels: the thumbnail of column c
 * is a `thumb`-pixel square at (c · cellSize + inset, inset), and shows its image whole and centred
 * (object-fit: contain). One SVG per row, one path per class: rows scroll in with a few elements
 * more, not one SVG per cell (measured: a third of the cost per frame of a scroll).
 */
export function rowPreviewPaths(
  images: ReadonlyArray<PreviewImage | undefined>,
  layout: { cellSize: number; inset: number; thumb: number },
  colorOf: (classId: number) => string,
): PreviewPath[] {
  const byClass = new Map<number, string[]>();
  const r = (v: number) => Math.round(v * 10) / 10;
  images.forEach((image, c) => {
    if (!image || image.preview.length < 5) return;
    const s = Math.min(layout.thumb / image.width, layout.thumb / image.height);
    const ox = c * layout.cellSize + layout.inset + (layout.thumb - image.width * s) / 2;
    const oy = layout.inset + (layout.thumb - image.height * s) / 2;
    const p = image.preview;
    for (let i = 0; i + 4 < p.length; i += 5) {
      let parts = byClass.get(p[i]!);
      if (!parts) byClass.set(p[i]!, (parts = []));
      const w = r(p[i + 3]! * s);
      parts.push(`M${r(ox + p[i + 1]! * s)} ${r(oy + p[i + 2]! * s)}h${w}v${r(p[i + 4]! * s)}h${-w}Z`);
    }
  });
  return [...byClass].map(([classId, parts]) => ({ color: colorOf(classId), d: parts.join('') }));
}
