/** One outline path per class: a thumbnail draws an image's boxes with a few SVG elements, not one per box. */
export interface PreviewPath {
  color: string;
  d: string;
}

/**
 * The SVG paths of an image's preview boxes (ImageInfo.preview: [classId, x, y, w, h] per box, in
 * image pixels), grouped by class and coloured as the class is.
 */
export function previewPaths(
  preview: readonly number[],
  colorOf: (classId: number) => string,
): PreviewPath[] {
  const byClass = new Map<number, string[]>();
  for (let i = 0; i + 4 < preview.length; i += 5) {
    const [classId, x, y, w, h] = preview.slice(i, i + 5) as [number, number, number, number, number];
    let parts = byClass.get(classId);
    if (!parts) byClass.set(classId, (parts = []));
    parts.push(`M${x} ${y}h${w}v${h}h${-w}Z`);
  }
  return [...byClass].map(([classId, parts]) => ({ color: colorOf(classId), d: parts.join('') }));
}
