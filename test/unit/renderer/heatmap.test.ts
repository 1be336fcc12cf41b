import { describe, expect, it } from 'vitest';
import { colorAt } from '../../../src-renderer/lib/canvas/heatmap';

describe('heatmap colour scale', () => {
  it('maps the ends of the range to viridis ends and clamps outside it', () => {
    expect(colorAt(0, 0, 1)).toBe('rgb(68, 1, 84)');
    expect(colorAt(1, 0, 1)).toBe('rgb(253, 231, 37)');
    expect(colorAt(-5, 0, 1)).toBe(colorAt(0, 0, 1));
    expect(colorAt(7, 0, 2)).toBe(colorAt(2, 0, 2));
  });
});
