import { describe, expect, it } from 'vitest';
import { parseImageSet, parseVocXml, UNSUPPORTED, writeVocXml } from '../../../src-main/formats/voc';

const xml = (objects: string, size = '<size><width>640</width><height>480</height><depth>3</depth></size>') =>
  `<annotation>\n<filename>a.jpg</filename>\n${size}\n${objects}\n</annotation>`;
const obj = (
  name: string,
  box: [number | string, number | string, number | string, number | string],
  extra = '',
) =>
  `<object><name>${name}</name>${extra}<bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin>` +
  `<xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object>`;

describe('parseVocXml', () => {
  it('reads the file name, the size and boxes as x = xmin, w = xmax − xmin', () => {
    const a = parseVocXml(xml(obj('RBC', [10, 20, 110, 70]) + obj(' WBC ', [0.5, 1, 2.5, 3])), 'a.xml');
    expect(a.filename).toBe('a.jpg');
    expect(a.declared).toEqual({ width: 640, height: 480 });
    expect(a.objects).toEqual([
      { name: 'RBC', box: { x: 10, y: 20, w: 100, h: 50 }, where: '<object> 1' },
      { name: 'WBC', box: { x: 0.5, y: 1, w: 2, h: 2 }, where: '<object> 2' },
    ]);
  });

  it('takes a file with no object as a labeled image with no boxes, and 0×0 as no size', () => {
    const a = parseVocXml(xml('', '<size><width>0</width><height>0</height></size>'), 'a.xml');
    expect(a).toMatchObject({ objects: [], declared: null });
  });

  it.each([
    [
      '<annotation><filename>a.jpg</filename>\n<object></annotation>',
      /^a\.xml: line 2, column \d+: not valid XML/,
    ],
    ['<notvoc/>', 'a.xml: no <annotation> root element'],
    [
      xml(obj('x', [1, 2, 3, 4])).replace('<filename>a.jpg</filename>', ''),
      "a.xml: <filename>: expected the image's file name, got nothing",
    ],
    [xml(obj('x', [1, 2, 'abc', 4])), 'a.xml: <object> 1 <xmax>: expected a number, got "abc"'],
    [
      xml(obj('x', [1, 2, 3, 4]) + obj('y', [5, 5, 5, 9])),
      'a.xml: <object> 2 <bndbox>: box has zero or negative size',
    ],
    [
      xml(obj('x', [10, 2, 3, 4])),
      'a.xml: <object> 1 <bndbox>: box has zero or negative size (xmin 10, xmax 3',
    ],
    [xml('<object><name>x</name></object>'), 'a.xml: <object> 1: no <bndbox>'],
    [
      xml('<object><bndbox><xmin>1</xmin></bndbox></object>'),
      'a.xml: <object> 1 <name>: expected a class name, got nothing',
    ],
  ])('refuses bad content, naming the element (%#)', (text, message) => {
    expect(() => parseVocXml(text, 'a.xml')).toThrow(message);
  });

  it('reports difficult flags, parts, polygons and rotated boxes', () => {
    const a = parseVocXml(
      xml(
        obj(
          'p',
          [1, 1, 9, 9],
          '<difficult>1</difficult><part><name>head</name></part><part><name>hand</name></part>',
        ) +
          '<object><name>q</name><polygon><x1>1</x1></polygon></object>' +
          '<object><name>r</name><robndbox><cx>5</cx></robndbox></object>',
      ),
      'a.xml',
    );
    expect(a.objects).toHaveLength(1);
    expect(Object.fromEntries(a.unsupported)).toEqual({
      [UNSUPPORTED.difficult]: 1,
      [UNSUPPORTED.parts]: 2,
      [UNSUPPORTED.polygons]: 1,
      [UNSUPPORTED.rotated]: 1,
    });
  });
});

describe('writeVocXml', () => {
  it('writes corners and escapes names, and reads back the same', () => {
    const text = writeVocXml(
      {
        name: 'a&b.jpg',
        width: 64,
        height: 48,
        split: 'train',
        boxes: [{ classIndex: 0, box: { x: 0.1, y: 2, w: 3.5, h: 4 } }],
      },
      ['<cat> & "dog"'],
      'JPEGImages',
    );
    expect(text).toContain('<xmin>0.1</xmin>');
    expect(text).toContain('<xmax>3.6</xmax>');
    const back = parseVocXml(text, 'a.xml');
    expect(back.filename).toBe('a&b.jpg');
    expect(back.objects[0]!.name).toBe('<cat> & "dog"');
    expect(back.objects[0]!.box.x).toBe(0.1);
    expect(back.objects[0]!.box.w).toBeCloseTo(3.5, 12);
  });
});

describe('parseImageSet', () => {
  it('takes the first column of each non-empty line', () => {
    expect(parseImageSet('a\r\n b  1\n\nc -1\n')).toEqual(['a', 'b', 'c']);
  });
});
