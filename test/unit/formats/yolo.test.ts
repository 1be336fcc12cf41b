import { describe, expect, it } from 'vitest';
import {
  formatNorm,
  labelPathFor,
  parseDataYaml,
  parseYoloLabels,
  UNSUPPORTED,
  writeYolo,
} from '../../../src-main/formats/yolo';

describe('parseDataYaml', () => {
  it('reads names as a list or as an id map, and split paths as a string or a list', () => {
    expect(parseDataYaml('train: images/train\nval: images/val\nnames: [a, b]\n', 'd.yaml')).toEqual({
      path: null,
      train: ['images/train'],
      val: ['images/val'],
      test: [],
      names: ['a', 'b'],
      kptShape: null,
    });
    const d = parseDataYaml(
      'path: ds\ntrain: [x, y]\nnc: 2\nnames:\n  0: person\n  1: 7\nkpt_shape: [17, 3]\n',
      'd.yaml',
    );
    expect(d).toMatchObject({
      path: 'ds',
      train: ['x', 'y'],
      val: [],
      names: ['person', '7'],
      kptShape: [17, 3],
    });
  });

  it.each([
    ['train: a\nnames: [a, b\n', /^d\.yaml: line \d+: not valid YAML/],
    ['- just\n- a list\n', 'd.yaml: expected a mapping with train, val and names, got a list of 2'],
    ['train: a\nnames: 5\n', 'd.yaml: names: expected the list of class names, got 5'],
    ['train: a\nnc: 3\nnames: [a, b]\n', 'd.yaml: nc: says 3 classes but names lists 2'],
    ['train: a\nnames:\n  0: a\n  2: b\n', 'd.yaml: names: class ids must run 0 to 1; 1 is missing'],
    ['train: a\nnames: [a, A]\n', 'd.yaml: names[1]: class name "A" is used twice'],
    ['val: a\nnames: [a]\n', 'd.yaml: train: no image folder given'],
    ['train: 3\nnames: [a]\n', 'd.yaml: train: expected a path, got 3'],
  ])('refuses a bad data.yaml, naming the key or line (%#)', (text, message) => {
    expect(() => parseDataYaml(text, 'd.yaml')).toThrow(message);
  });
});

describe('parseYoloLabels', () => {
  it('reads normalized boxes with their line numbers, skipping blank lines', () => {
    const l = parseYoloLabels('0 0.5 0.5 0.2 0.4\n\n1 0.1 0.2 0.1 0.1\r\n', 'a.txt', 2, null);
    expect(l.boxes).toEqual([
      { classIndex: 0, where: 'line 1', kind: 'normalized', box: { cx: 0.5, cy: 0.5, w: 0.2, h: 0.4 } },
      { classIndex: 1, where: 'line 3', kind: 'normalized', box: { cx: 0.1, cy: 0.2, w: 0.1, h: 0.1 } },
    ]);
  });

  it('keeps the bounding box of a polygon line and the box of a keypoint line, and reports both', () => {
    const seg = parseYoloLabels('0 0.1 0.2 0.5 0.2 0.3 0.6\n', 'a.txt', 1, null);
    expect(seg.boxes[0]!.box).toEqual({
      cx: expect.closeTo(0.3, 12),
      cy: expect.closeTo(0.4, 12),
      w: expect.closeTo(0.4, 12),
      h: expect.closeTo(0.4, 12),
    });
    expect(Object.fromEntries(seg.unsupported)).toEqual({ [UNSUPPORTED.polygons]: 1 });
    const pose = parseYoloLabels('0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 1\n', 'a.txt', 1, [2, 3]);
    expect(pose.boxes[0]!.box).toEqual({ cx: 0.5, cy: 0.5, w: 0.2, h: 0.2 });
    expect(Object.fromEntries(pose.unsupported)).toEqual({ [UNSUPPORTED.keypoints]: 1 });
  });

  it.each([
    [
      '0 0.5 0.5 0.2 0.4\n3 0.5 0.5 0.1 0.1\n',
      'a.txt: line 2: class id 3 is not in data.yaml (it names 2 classes: 0 to 1)',
    ],
    ['-1 0.5 0.5 0.2 0.4\n', 'a.txt: line 1: expected a class id (0, 1, ...), got "-1"'],
    ['0.5 0.5 0.5 0.2 0.4\n', 'a.txt: line 1: expected a class id (0, 1, ...), got "0.5"'],
    ['0 0.5 0.5 0.2\n', 'a.txt: line 1: expected 5 values (class cx cy w h), got 4'],
    ['0 0.5 abc 0.2 0.4\n', 'a.txt: line 1: expected a number, got "abc"'],
    ['0 0.5 0.5 0 0.4\n', 'a.txt: line 1: box has width 0; it must be > 0'],
    ['0 0.5 0.5 0.1 -0.4\n', 'a.txt: line 1: box has height -0.4; it must be > 0'],
  ])('refuses a bad line, naming it (%#)', (text, message) => {
    expect(() => parseYoloLabels(text, 'a.txt', 2, null)).toThrow(message);
  });
});

describe('YOLO paths and writing', () => {
  it('finds labels the way Ultralytics does', () => {
    expect(labelPathFor('/d/images/train/a.b.jpg')).toBe('/d/labels/train/a.b.txt');
    expect(labelPathFor('/d/images/x/images/y/a.png')).toBe('/d/images/x/labels/y/a.txt');
    expect(labelPathFor('/d/pics/a.png')).toBe('/d/pics/a.txt');
  });

  it('writes normalized centre boxes per split, and data.yaml with numbered names', () => {
    const layout = writeYolo({
      classes: ['a', 'b'],
      images: [
        {
          name: 'x.jpg',
          width: 200,
          height: 100,
          split: 'val',
          boxes: [{ classIndex: 1, box: { x: 10, y: 20, w: 50, h: 30 } }],
        },
        { name: 'y.png', width: 10, height: 10, split: 'train', boxes: [] },
      ],
    });
    expect(layout.files).toEqual([
      { path: 'data.yaml', content: 'train: images/train\nval: images/val\nnc: 2\nnames:\n  0: a\n  1: b\n' },
      { path: 'labels/val/x.txt', content: '1 0.175 0.35 0.25 0.3\n' },
      { path: 'labels/train/y.txt', content: '' },
    ]);
    expect(layout.imagePaths.get('x.jpg')).toBe('images/val/x.jpg');
  });

  it('formats fractions to 10 decimals without trailing zeros', () => {
    expect(formatNorm(0.5)).toBe('0.5');
    expect(formatNorm(1 / 3)).toBe('0.3333333333');
    expect(formatNorm(1e-12)).toBe('0');
  });
});
