import { describe, expect, it } from 'vitest';
import { rowPreviewPaths } from '../../../src-renderer/lib/state/previewBoxes';

describe('thumbnail box outlines of a row', () => {
  it('places each image’s boxes over its thumbnail, one path per class in its colour', () => {
    const colors: Record<number, string> = { 1: '#ff0000', 2: '#00ff00' };
    const layout = { cellSize: 160, inset: 4, thumb: 152 };
    // 640 × 480 in a 152 px square: scale 0.2375, 19 px of margin above and below.
    const landscape = { width: 640, height: 480, preview: [1, 100, 80, 200, 40, 2, 0, 0, 640, 480] };
    // 480 × 640 in the next cell: 19 px of margin left and right.
    const portrait = { width: 480, height: 640, preview: [1, 0, 0, 40, 40] };
    const paths = rowPreviewPaths([landscape, undefined, portrait], layout, (id) => colors[id]!);
    expect(paths).toEqual([
      { color: '#ff0000', d: 'M27.8 42h47.5v9.5h-47.5ZM343 4h9.5v9.5h-9.5Z' },
      { color: '#00ff00', d: 'M4 23h152v114h-152Z' },
    ]);
    expect(
      rowPreviewPaths([undefined, { width: 9, height: 9, preview: [] }], layout, () => '#000000'),
    ).toEqual([]);
  });
});
