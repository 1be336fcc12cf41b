import { describe, expect, it } from 'vitest';
import { readLocation, writeLocation } from '../../../src-renderer/lib/state/location';

describe('the app location in the URL hash', () => {
  it('keeps the view and the open image through a reload', () => {
    expect(writeLocation({ view: 'annotate', image: 42 })).toBe('#/annotate?image=42');
    expect(readLocation('#/annotate?image=42')).toEqual({ view: 'annotate', image: 42 });
    expect(readLocation(writeLocation({ view: 'train', image: null }))).toEqual({
      view: 'train',
      image: null,
    });
  });

  it('falls back to the Library and no image on anything else', () => {
    expect(readLocation('')).toEqual({ view: 'library', image: null });
    expect(readLocation('#/nowhere?image=x')).toEqual({ view: 'library', image: null });
    expect(readLocation('#/review?image=-3')).toEqual({ view: 'review', image: null });
  });
});
