import { describe, expect, it } from 'vitest';
import { previewPaths } from '../../../src-renderer/lib/state/previewPaths';

describe('thumbnail box outlines', () => {
  it('draws each class’s boxes as one closed path in its colour', () => {
    const colors: Record<number, string> = { 1: '#ff0000', 2: '#00ff00' };
    const paths = previewPaths([1, 10, 20, 30, 40, 2, 0, 0, 5, 5, 1, 1.5, 2.5, 3, 4], (id) => colors[id]!);
    expect(paths).toEqual([
      { color: '#ff0000', d: 'M10 20h30v40h-30ZM1.5 2.5h3v4h-3Z' },
      { color: '#00ff00', d: 'M0 0h5v5h-5Z' },
    ]);
    expect(previewPaths([], () => '#000000')).toEqual([]);
  });
});
