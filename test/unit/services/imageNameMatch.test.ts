import { describe, expect, it } from 'vitest';
import { imageNameMatcher } from '../../../src-main/services/imageNameMatch';

const images = [
  { id: 1, path: 'photos/a.jpg', fileName: 'a.jpg' },
  { id: 2, path: 'day1/cam/b.JPG', fileName: 'b.JPG' },
  { id: 3, path: 'day2/cam/b.JPG', fileName: 'b.JPG' },
  { id: 17, path: 'other/a.png', fileName: 'a.png' },
  { id: 20, path: 'x/c.jpg', fileName: 'c.jpg' },
  { id: 21, path: 'y/c.jpg', fileName: 'c.jpg' },
];
const match = imageNameMatcher(images);

describe('matching a dataset file name to a project image', () => {
  it('matches by the name of the file, wherever the dataset put it', () => {
    expect(match('a.jpg')).toEqual({ id: 1 });
    expect(match('images/train/a.jpg')).toEqual({ id: 1 });
    expect(match('.\\val2017\\a.jpg')).toEqual({ id: 1 });
  });

  it('falls back to the name without regard to case', () => {
    expect(match('A.JPG')).toEqual({ id: 1 });
  });

  it('tells images of the same name apart by their folders, else calls the name ambiguous', () => {
    expect(match('day2/cam/b.JPG')).toEqual({ id: 3 });
    expect(match('cam/b.JPG')).toEqual({ ambiguous: [2, 3] });
    expect(match('c.jpg')).toEqual({ ambiguous: [20, 21] });
  });

  it("finds the image behind a name DW Studio's export gave a clashing file", () => {
    expect(match('a_17.png')).toEqual({ id: 17 });
    // The id must be an image of that name.
    expect(match('a_20.png')).toBeNull();
  });

  it('matches nothing else', () => {
    expect(match('zzz.jpg')).toBeNull();
    expect(match('')).toBeNull();
  });
});
