// Pascal VOC: one XML file per image (the layout of the VOC devkit and of labelImg). Parse (pure, from
// text) and write. Box corners are read as written: x = xmin, w = xmax − xmin.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Split } from '../shared/api/project';
import { countUnsupported } from './dataset';
import type { ExportImage } from './exportDataset';
import { describeValue, FormatError } from './formatError';
import { xywhToXyxy, xyxyToXywh, type BoxXYWH, type Size } from './geometry';

export interface VocObject {
  name: string;
  box: BoxXYWH;
  where: string;
}

export interface VocAnnotation {
  filename: string;
  declared: Size | null;
  objects: VocObject[];
  unsupported: Map<string, number>;
}

export const UNSUPPORTED = {
  difficult: 'difficult flags (imported as ordinary boxes)',
  parts: 'object parts (not imported)',
  polygons: 'polygons (not imported)',
  rotated: 'rotated boxes (not imported)',
} as const;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (_name, jpath) => jpath === 'annotation.object' || jpath === 'annotation.object.part',
});

export function parseVocXml(text: string, file: string): VocAnnotation {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new FormatError(
      file,
      col === undefined ? `line ${line}` : `line ${line}, column ${col}`,
      `not valid XML (${msg})`,
    );
  }
  // Entities declared in the file can read other files (external, "XXE") or blow up in memory
  // (nested): an annotation never needs them, so a file that declares any is refused.
  const entity = /<!ENTITY/i.exec(text);
  if (entity) {
    throw new FormatError(
      file,
      `line ${lineOf(text, entity.index)}`,
      'declares an XML entity (<!ENTITY …>); annotation files never need one, and DW Studio does not read them',
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(file, null, `not readable XML (${(e as Error).message})`);
  }
  const ann = doc.annotation;
  if (!isObject(ann)) throw new FormatError(file, null, 'no <annotation> root element');
  const filename = ann.filename;
  if (typeof filename !== 'string' || filename === '') {
    throw new FormatError(
      file,
      '<filename>',
      `expected the image's file name, got ${describeValue(filename)}`,
    );
  }
  let declared: Size | null = null;
  if (isObject(ann.size)) {
    const width = num(ann.size.width, file, '<size><width>');
    const height = num(ann.size.height, file, '<size><height>');
    // labelImg writes 0×0 when it could not read the image: treat it as not stated.
    if (width > 0 && height > 0) declared = { width, height };
    else if (width < 0 || height < 0)
      throw new FormatError(file, '<size>', `negative image size ${width}×${height}`);
  }
  const unsupported = new Map<string, number>();
  const objects: VocObject[] = [];
  const list = ann.object === undefined || ann.object === '' ? [] : (ann.object as unknown[]);
  list.forEach((o, i) => {
    const where = `<object> ${i + 1}`;
    if (!isObject(o)) throw new FormatError(file, where, 'empty <object> element');
    const name = o.name;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new FormatError(file, `${where} <name>`, `expected a class name, got ${describeValue(name)}`);
    }
    if (Array.isArray(o.part) && o.part.length > 0)
      countUnsupported(unsupported, UNSUPPORTED.parts, o.part.length);
    if (!isObject(o.bndbox)) {
      if (o.polygon !== undefined || o.segmentation !== undefined)
        countUnsupported(unsupported, UNSUPPORTED.polygons);
      else if (o.robndbox !== undefined) countUnsupported(unsupported, UNSUPPORTED.rotated);
      else throw new FormatError(file, where, 'no <bndbox>');
      return;
    }
    if (String(o.difficult) === '1') countUnsupported(unsupported, UNSUPPORTED.difficult);
    const b = o.bndbox;
    const corners = {
      x1: num(b.xmin, file, `${where} <xmin>`),
      y1: num(b.ymin, file, `${where} <ymin>`),
      x2: num(b.xmax, file, `${where} <xmax>`),
      y2: num(b.ymax, file, `${where} <ymax>`),
    };
    if (!(corners.x2 > corners.x1 && corners.y2 > corners.y1)) {
      throw new FormatError(
        file,
        `${where} <bndbox>`,
        `box has zero or negative size (xmin ${corners.x1}, xmax ${corners.x2}, ymin ${corners.y1}, ymax ${corners.y2})`,
      );
    }
    objects.push({ name: name.trim(), box: xyxyToXywh(corners), where });
  });
  return { filename, declared, objects, unsupported };
}

export function writeVocXml(img: ExportImage, classes: readonly string[], folder: string): string {
  const objects = img.boxes.map((b) => {
    const c = xywhToXyxy(b.box);
    return [
      '  <object>',
      `    <name>${escapeXml(classes[b.classIndex]!)}</name>`,
      '    <pose>Unspecified</pose>',
      '    <truncated>0</truncated>',
      '    <difficult>0</difficult>',
      '    <bndbox>',
      `      <xmin>${c.x1}</xmin>`,
      `      <ymin>${c.y1}</ymin>`,
      `      <xmax>${c.x2}</xmax>`,
      `      <ymax>${c.y2}</ymax>`,
      '    </bndbox>',
      '  </object>',
    ].join('\n');
  });
  return [
    '<annotation>',
    `  <folder>${escapeXml(folder)}</folder>`,
    `  <filename>${escapeXml(img.name)}</filename>`,
    '  <size>',
    `    <width>${img.width}</width>`,
    `    <height>${img.height}</height>`,
    '    <depth>3</depth>',
    '  </size>',
    '  <segmented>0</segmented>',
    ...objects,
    '</annotation>',
    '',
  ].join('\n');
}

/** An ImageSets/Main list: one image id (file stem) per line; a second column (class lists) is ignored. */
export function parseImageSet(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((s) => s !== '');
}

/** The class list a VOC export carries (labels.txt: one name per line), so classes with no boxes survive. */
export function parseLabelList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function splitFromImageSet(name: string): Split | null {
  if (name === 'train') return 'train';
  if (name === 'val' || name === 'test') return 'val';
  return null;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function num(v: unknown, file: string, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new FormatError(file, where, `expected a number, got ${describeValue(v)}`);
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
};
