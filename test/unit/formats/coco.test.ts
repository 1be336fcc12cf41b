import { describe, expect, it } from 'vitest';
import { parseCoco, parseCocoText, UNSUPPORTED, writeCoco } from '../../../src-main/formats/coco';
import { jsonErrorOffset } from '../../../src-main/formats/jsonErrorOffset';

const base = () => ({
  categories: [
    { id: 1, name: 'cat' },
    { id: 7, name: 'dog' },
  ],
  images: [
    { id: 10, file_name: 'a.jpg', width: 100, height: 50 },
    { id: 11, file_name: 'sub/b.jpg', width: 20, height: 20, split: 'val' },
  ],
  annotations: [
    { id: 1, image_id: 10, category_id: 7, bbox: [1, 2, 30, 40], iscrowd: 0 },
    { id: 2, image_id: 10, category_id: 1, bbox: [0.5, 0.25, 10, 5] },
  ],
});

const F = 'ann.json';

/** Sets a nested field by a dotted path ("annotations.0.bbox.2"), to spoil one field of a good file. */
function setPath(doc: object, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = doc as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}

describe('parseCoco', () => {
  it('maps categories to class indexes in file order and boxes to their images', () => {
    const p = parseCoco(base(), F);
    expect(p.classes).toEqual(['cat', 'dog']);
    expect(p.images.map((i) => [i.fileName, i.declared, i.split])).toEqual([
      ['a.jpg', { width: 100, height: 50 }, null],
      ['sub/b.jpg', { width: 20, height: 20 }, 'val'],
    ]);
    expect(p.images[0]!.boxes).toEqual([
      { classIndex: 1, where: 'annotations[0]', kind: 'pixels', box: { x: 1, y: 2, w: 30, h: 40 } },
      { classIndex: 0, where: 'annotations[1]', kind: 'pixels', box: { x: 0.5, y: 0.25, w: 10, h: 5 } },
    ]);
    expect(p.images[1]!.boxes).toEqual([]);
    expect(p.unsupported.size).toBe(0);
  });

  it('names the line and column of a truncated or broken JSON file', () => {
    const text = JSON.stringify(base(), null, 1);
    expect(() => parseCocoText(text.slice(0, 60), F)).toThrow(
      /^ann\.json: line \d+, column \d+: not valid JSON/,
    );
    expect(() => parseCocoText('{\n  "images": [1,,]\n}', F)).toThrow(
      /ann\.json: line 2, column 16: not valid JSON/,
    );
  });

  it.each([
    ['images', {}, 'ann.json: images: expected a list, got an object'],
    ['images.1.id', '11', 'ann.json: images[1].id: expected an integer, got "11"'],
    ['images.0.width', 0, 'ann.json: images[0].width: expected a size > 0, got 0'],
    ['images.0.file_name', 3, 'ann.json: images[0].file_name: expected a non-empty string, got 3'],
    [
      'annotations.1.bbox',
      '1,2,3,4',
      'ann.json: annotations[1].bbox: expected [x, y, width, height] as 4 numbers, got "1,2,3,4"',
    ],
    [
      'annotations.1.bbox',
      [1, 2, 3],
      'annotations[1].bbox: expected [x, y, width, height] as 4 numbers, got a list of 3',
    ],
    ['annotations.0.bbox.2', -5, 'ann.json: annotations[0].bbox: box has width -5; it must be > 0'],
    ['annotations.0.bbox.3', 0, 'ann.json: annotations[0].bbox: box has height 0; it must be > 0'],
    ['annotations.0.category_id', 3, 'ann.json: annotations[0].category_id: no category has id 3'],
    ['annotations.0.image_id', 99, 'ann.json: annotations[0].image_id: no image has id 99'],
    ['categories.1.id', 1, 'ann.json: categories[1].id: category id 1 is used twice'],
    ['categories.1.name', 'CAT', 'categories[1].name: category name "CAT" is used twice'],
    ['images.1.file_name', 'a.jpg', 'images[1].file_name: "a.jpg" is listed twice (also images[0])'],
  ])('refuses bad content, naming the field (%#)', (field, value, message) => {
    const d = base();
    setPath(d, field, value);
    expect(() => parseCoco(d, F)).toThrow(message);
  });

  it('reports crowd regions, polygons, masks and keypoints, and keeps the boxes it can', () => {
    const d = base();
    setPath(d, 'annotations', [
      { image_id: 10, category_id: 1, bbox: [0, 0, 5, 5], iscrowd: 1 },
      { image_id: 10, category_id: 1, bbox: [0, 0, 5, 5], segmentation: [[0, 0, 5, 0, 3, 5]] },
      // A polygon that is the box's own rectangle carries nothing more.
      { image_id: 10, category_id: 1, bbox: [0, 0, 5, 5], segmentation: [[0, 0, 5, 0, 5, 5, 0, 5]] },
      { image_id: 10, category_id: 1, bbox: [0, 0, 5, 5], segmentation: { counts: 'abc', size: [50, 100] } },
      { image_id: 10, category_id: 1, bbox: [0, 0, 5, 5], keypoints: [1, 2, 2], num_keypoints: 1 },
    ]);
    const p = parseCoco(d, F);
    expect(p.images[0]!.boxes).toHaveLength(4);
    expect(Object.fromEntries(p.unsupported)).toEqual({
      [UNSUPPORTED.crowd]: 1,
      [UNSUPPORTED.polygons]: 1,
      [UNSUPPORTED.masks]: 1,
      [UNSUPPORTED.keypoints]: 1,
    });
  });

  it('warns about splits it does not know', () => {
    const d = base();
    setPath(d, 'images.0.split', 'holdout');
    expect(parseCoco(d, F).warnings).toEqual([
      '1 images have a "split" other than train or val; they were given the default split',
    ]);
  });
});

describe('writeCoco', () => {
  it('writes 1-based ids, [x, y, w, h] boxes and the split, and reads back the same', () => {
    const layout = writeCoco({
      classes: ['cat', 'dog'],
      images: [
        {
          name: 'a.jpg',
          width: 100,
          height: 50,
          split: 'val',
          boxes: [{ classIndex: 1, box: { x: 1.5, y: 2, w: 3, h: 4 } }],
        },
      ],
    });
    expect(layout.imagePaths).toEqual(new Map([['a.jpg', 'images/a.jpg']]));
    const doc = JSON.parse(layout.files[0]!.content);
    expect(doc.categories).toEqual([
      { id: 1, name: 'cat', supercategory: '' },
      { id: 2, name: 'dog', supercategory: '' },
    ]);
    expect(doc.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [1.5, 2, 3, 4], area: 12, iscrowd: 0, segmentation: [] },
    ]);
    const back = parseCocoText(layout.files[0]!.content, 'x.json');
    expect(back.images[0]).toMatchObject({ fileName: 'a.jpg', split: 'val' });
    expect(back.images[0]!.boxes[0]).toMatchObject({ classIndex: 1, box: { x: 1.5, y: 2, w: 3, h: 4 } });
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": [1,,2]}', 9],
    ['{"a": 1 "b": 2}', 8],
    ['[1, 2', 5],
    ['{"a": "x\n"}', 8],
    ['{"a": tru}', 6],
    ['[1] x', 4],
    ['{"a": [1, {"b": -0.5e3}], "c": "\\"q"}', 37],
  ])('finds where %j goes wrong', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});
