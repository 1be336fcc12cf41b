import fc from 'fast-check';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetFormat } from '../../src-main/shared/api/project';
import {
  cocoDoc,
  datasetArb,
  vocXml,
  writeDataset,
  writeImagePool,
  yoloLabels,
  yoloYaml,
  type GenDataset,
  type PoolImage,
} from './support/generatedDatasets';
import { CallError, FIXTURES, startServices, type Harness } from './support/harness';

// Property-based: datasets made up by fast-check. A broken one is refused with one line naming its
// file, and the project it was imported into exports exactly as before; a valid one round-trips exactly.

let h: Harness;
let poolDir: string;
let pool: PoolImage[];
let baseProject: string;
let run = 0;

beforeAll(async () => {
  h = startServices();
  poolDir = path.join(h.dir, 'pool');
  pool = await writeImagePool(poolDir);
  baseProject = path.join(h.dir, 'base.dwproj');
  await h.call('project.create', { path: baseProject });
  await h.call('dataset.import', { format: 'coco', path: path.join(FIXTURES, 'bccd', 'annotations.json') });
});
afterAll(() => h.dispose());

const workDir = () => path.join(h.dir, `run-${++run}`);

/** The open project's COCO export, as text. */
async function cocoExport(): Promise<string> {
  const dir = workDir();
  await h.call('dataset.export', { format: 'coco', dir, include: 'all' });
  return readFileSync(path.join(dir, 'annotations.json'), 'utf8');
}

/** What a project holds, as the formats carry it: classes in order, boxes by image file name. */
async function contents(): Promise<{ classes: string[]; images: Record<string, string[]> }> {
  const classes = await h.call('classes.list');
  const name = new Map(classes.map((c) => [c.id, c.name]));
  const images: Record<string, string[]> = {};
  for (const img of (await h.call('images.list', { limit: 1000 })).items) {
    const boxes = await h.call('boxes.get', { imageId: img.id });
    images[img.fileName] = boxes.map((b) => `${name.get(b.classId)} ${b.x} ${b.y} ${b.w} ${b.h}`).sort();
  }
  return { classes: classes.map((c) => c.name), images };
}

function expectedContents(ds: GenDataset) {
  const images: Record<string, string[]> = {};
  for (const im of ds.images) {
    images[im.image.name] = im.boxes.map((b) => `${ds.classes[b.cls]} ${b.x} ${b.y} ${b.w} ${b.h}`).sort();
  }
  return { classes: ds.classes, images };
}

const FORMATS: DatasetFormat[] = ['coco', 'voc', 'yolo'];

describe.each(FORMATS)('%s: generated valid datasets', (format) => {
  it('import exactly, and export → import gives them back exactly', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb(pool), async (ds) => {
        const input = writeDataset(format, ds, workDir(), poolDir, copyFileSync);
        await h.call('project.create', { path: path.join(workDir(), 'first.dwproj') });
        await h.call('dataset.import', { format, path: input });
        const first = await contents();
        expect(first).toEqual(expectedContents(ds));
        const out = workDir();
        await h.call('dataset.export', { format, dir: out, include: 'all' });
        await h.call('project.create', { path: path.join(workDir(), 'second.dwproj') });
        await h.call('dataset.import', { format, path: out });
        expect(await contents()).toEqual(first);
      }),
      { numRuns: 12, seed: 11 },
    );
  });
});

/** One way of breaking a dataset: it rewrites files under `dir` (written from `ds`). */
type Breakage = (dir: string, ds: GenDataset) => void;

const text = (file: string) => readFileSync(file, 'utf8');
const firstFile = (dir: string) => path.join(dir, readdirSync(dir).sort()[0]!);
const wrongTypes = fc.oneof(
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(1.5, -0.25),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);

/** Breakages that each make a dataset invalid, whatever it held. */
function cocoBreakage(): fc.Arbitrary<Breakage> {
  const json = (dir: string) => path.join(dir, 'annotations.json');
  const edit =
    (change: (doc: ReturnType<typeof cocoDoc>) => void): Breakage =>
    (dir, ds) => {
      const doc = cocoDoc(ds);
      change(doc);
      writeFileSync(json(dir), JSON.stringify(doc));
    };
  return fc.oneof(
    fc.double({ min: 0, max: 1, maxExcluded: true }).map((f): Breakage => (dir) => {
      const t = text(json(dir));
      writeFileSync(json(dir), t.slice(0, Math.floor(f * t.length)));
    }),
    fc
      .jsonValue()
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map(
        (v): Breakage =>
          (dir) =>
            writeFileSync(json(dir), JSON.stringify(v)),
      ),
    fc
      .tuple(fc.constantFrom('id', 'file_name', 'width'), wrongTypes)
      .filter(([key, v]) => !(key === 'file_name' && typeof v === 'string' && v.trim() !== ''))
      .map(([key, v]) => edit((d) => ((d.images[0] as Record<string, unknown>)[key] = v))),
    wrongTypes.map((v) => edit((d) => ((d.categories[0] as Record<string, unknown>).id = v))),
    fc.constantFrom(
      edit((d) => (d.images[0]!.file_name = `../../${d.images[0]!.file_name}`)),
      edit((d) => (d.images[0]!.file_name = '/etc/passwd')),
      edit((d) => (d.images[0]!.file_name = 'missing.png')),
      edit((d) => d.categories.push({ ...d.categories[0]!, name: 'again' })),
      edit((d) =>
        d.annotations.push({
          id: 9999,
          image_id: 1,
          category_id: d.categories.length + 7,
          bbox: [1, 1, 2, 2],
        }),
      ),
      edit((d) => d.annotations.push({ id: 9999, image_id: 4242, category_id: 1, bbox: [1, 1, 2, 2] })),
      edit((d) =>
        d.annotations.push({
          id: 9999,
          image_id: 1,
          category_id: 1,
          bbox: [d.images[0]!.width + 5, 0, 3, 3],
        }),
      ),
      edit((d) => d.annotations.push({ id: 9999, image_id: 1, category_id: 1, bbox: [1, 1, 0, 3] })),
      edit((d) => d.annotations.push({ id: 9999, image_id: 1, category_id: 1, bbox: [1, 1, 3] })),
      edit((d) => delete (d as Partial<typeof d>).images),
    ),
  );
}

function vocBreakage(): fc.Arbitrary<Breakage> {
  const xml = (dir: string) => firstFile(path.join(dir, 'Annotations'));
  const rewrite =
    (change: (xml: string) => string): Breakage =>
    (dir, ds) =>
      writeFileSync(xml(dir), change(vocXml(ds, 0)));
  return fc.oneof(
    fc.double({ min: 0, max: 1, maxExcluded: true }).map((f): Breakage => (dir) => {
      const t = text(xml(dir));
      writeFileSync(xml(dir), t.slice(0, Math.floor(f * t.length)));
    }),
    fc
      .stringMatching(/^[a-z]{1,8}$/)
      .map((word) =>
        rewrite((x) =>
          x.replace(/<xmin>[^<]*<\/xmin>|<\/annotation>/, (m) =>
            m === '</annotation>'
              ? `<object><name>x</name><bndbox><xmin>${word}</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>`
              : `<xmin>${word}</xmin>`,
          ),
        ),
      ),
    fc.constantFrom(
      rewrite(
        (x) =>
          `<!DOCTYPE annotation [<!ENTITY e SYSTEM "file:///etc/passwd">]>${x.replace('<filename>', '<filename>&e;')}`,
      ),
      rewrite((x) => `<!DOCTYPE annotation [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>${x}`),
      rewrite((x) => x.replace(/<filename>[^<]*<\/filename>/, '<filename>../../../x.png</filename>')),
      rewrite((x) =>
        x.replace(
          '</annotation>',
          '<object><name>x</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>5</xmax><ymax>2</ymax></bndbox></object></annotation>',
        ),
      ),
      rewrite((x) =>
        x.replace(
          '</annotation>',
          '<object><name>x</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9000</xmax><ymax>2</ymax></bndbox></object></annotation>',
        ),
      ),
      rewrite((x) => x.replace('</annotation>', '<object><name>x</name></object></annotation>')),
      rewrite((x) => x.replace('<annotation>', '<annotation><annotation>')),
    ),
  );
}

function yoloBreakage(): fc.Arbitrary<Breakage> {
  const label = (dir: string) => firstFile(path.join(dir, 'labels', 'train'));
  const addLine =
    (line: (ds: GenDataset) => string): Breakage =>
    (dir, ds) =>
      writeFileSync(label(dir), `${yoloLabels(ds, 0)}\n${line(ds)}\n`);
  return fc.oneof(
    fc.nat({ max: 50 }).map((k) => addLine((ds) => `${ds.classes.length + k} 0.5 0.5 0.1 0.1`)),
    fc.stringMatching(/^[a-z]{1,6}$/).map((w) => addLine(() => `0 ${w} 0.5 0.1 0.1`)),
    fc
      .integer({ min: 1, max: 4 })
      .map((n) => addLine(() => ['0', '0.5', '0.5', '0.1'].slice(0, n).join(' '))),
    fc.double({ min: 1.2, max: 50, noNaN: true }).map((cx) => addLine(() => `0 ${cx} 0.5 0.1 0.1`)),
    fc.constantFrom(
      addLine(() => '0 0.5 0.5 0 0.1'),
      addLine(() => '-1 0.5 0.5 0.1 0.1'),
      (dir: string) => writeFileSync(path.join(dir, 'data.yaml'), 'train: images/train\nnames: [unclosed\n'),
      (dir: string) => writeFileSync(path.join(dir, 'data.yaml'), 'train: images/train\nnames: 7\n'),
      (dir: string, ds: GenDataset) =>
        writeFileSync(
          path.join(dir, 'data.yaml'),
          yoloYaml(ds).replace('train: images/train', 'train: ../../../elsewhere'),
        ),
    ),
  );
}

const BREAKAGES: Record<DatasetFormat, () => fc.Arbitrary<Breakage>> = {
  coco: cocoBreakage,
  voc: vocBreakage,
  yolo: yoloBreakage,
};

describe.each(FORMATS)('%s: generated broken datasets', (format) => {
  it(
    'are refused with one line naming the file, and the project exports exactly as before',
    { timeout: 120_000 },
    async () => {
      await h.call('project.open', { path: baseProject });
      const before = await cocoExport();
      await fc.assert(
        fc.asyncProperty(datasetArb(pool), BREAKAGES[format](), async (ds, breakIt) => {
          const dir = workDir();
          mkdirSync(dir);
          const input = writeDataset(format, ds, dir, poolDir, copyFileSync);
          breakIt(dir, ds);
          const error = await h.call('dataset.import', { format, path: input }).then(
            () => null,
            (e: unknown) => e as CallError,
          );
          expect(error, 'the import should be refused').toBeInstanceOf(CallError);
          expect(error!.code).not.toBe('internal');
          expect(error!.message.split('\n')).toHaveLength(1);
          expect(error!.message).toContain(dir);
          expect(await cocoExport()).toBe(before);
          if (process.env.DWS_SHOW)
            appendFileSync(process.env.DWS_SHOW, `${error!.message.replace(dir, '<dir>')}\n`);
        }),
        { numRuns: 30, seed: 7 },
      );
    },
  );
});
