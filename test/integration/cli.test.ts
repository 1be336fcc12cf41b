import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli } from './support/bundle';
import { readConfigs } from '../unit/formats/mmcvConfig';
import { FIXTURES, snapshot } from './support/harness';

// `dw-studio import` and `export` run as a user runs them: the built bin, a fresh process each time.
let bin = '';
let tmp = '';

beforeAll(async () => {
  bin = await builtCli();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DW_STUDIO_HOME: path.join(tmp, 'home') },
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('dw-studio import / export', () => {
  it('creates the project on import, exports it, and imports the export into another project', () => {
    const project = path.join(tmp, 'cells');
    const first = cli('import', project, '--format', 'coco', path.join(FIXTURES, 'bccd', 'annotations.json'));
    expect(first).toEqual({
      code: 0,
      stdout: `Created ${project}.dwproj\nImported 8 images, 84 boxes and 3 classes (COCO) into ${project}.dwproj`,
      stderr: '',
    });

    const out = path.join(tmp, 'cells-yolo');
    const exported = cli('export', `${project}.dwproj`, '--format', 'yolo', out);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      `Exported 8 images and 84 boxes of ${project}.dwproj as YOLO to ${out} (17 files)`,
    );
    expect(readFileSync(path.join(out, 'data.yaml'), 'utf8')).toContain(
      'names:\n  0: RBC\n  1: WBC\n  2: Platelets',
    );

    const again = cli('import', path.join(tmp, 'copy.dwproj'), '-f', 'yolo', out);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Imported 8 images, 84 boxes and 3 classes (YOLO)');
    expect(readFileSync(path.join(tmp, 'home', 'recent-projects.json'), 'utf8')).toContain('copy.dwproj');
  });

  it('fails with the file and field named, exit code 1, and the project untouched', () => {
    const project = path.join(tmp, 'cards.dwproj');
    expect(
      cli('import', project, '--format', 'coco', path.join(FIXTURES, 'cards', 'annotations.json')).code,
    ).toBe(0);
    const before = snapshot(project);

    const bad = path.join(tmp, 'bad');
    cpSync(path.join(FIXTURES, 'cards'), bad, { recursive: true });
    const json = path.join(bad, 'annotations.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"category_id": 6', '"category_id": 60'));
    const r = cli('import', project, '--format', 'coco', json);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`dw-studio: ${json}: annotations[0].category_id: no category has id 60`);
    expect(snapshot(project)).toEqual(before);
  });

  it('keeps every image of identical bytes with its own boxes: 12 blank PNGs and 30 boxes give 30 YOLO lines', async () => {
    const dir = path.join(tmp, 'blank');
    mkdirSync(dir);
    const blank = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const images = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, file_name: `b${i}.png` }));
    for (const img of images) writeFileSync(path.join(dir, img.file_name), blank);
    const annotations = Array.from({ length: 30 }, (_, k) => ({
      id: k + 1,
      image_id: (k % 12) + 1,
      category_id: 1,
      bbox: [k, k, 10, 10],
    }));
    writeFileSync(
      path.join(dir, 'annotations.json'),
      JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'dot' }] }),
    );
    const project = path.join(tmp, 'blank.dwproj');
    const r = cli('import', project, '-f', 'coco', path.join(dir, 'annotations.json'));
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe(`Imported 12 images, 30 boxes and 1 class (COCO) into ${project}`);
    expect(lines[2]).toMatch(
      /^Note: 11 images repeat the bytes of another image; all were kept, each with its own boxes/,
    );
    const out = path.join(tmp, 'blank-yolo');
    expect(cli('export', project, '-f', 'yolo', out).code).toBe(0);
    const labels = readdirSync(path.join(out, 'labels'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .flatMap((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8').split('\n').filter(Boolean));
    expect(labels).toHaveLength(30);
  });

  it('--existing: keeps what the project has by default, or merges, or replaces', () => {
    const project = path.join(tmp, 'again.dwproj');
    const json = path.join(FIXTURES, 'cards', 'annotations.json');
    expect(cli('import', project, '-f', 'coco', json).code).toBe(0);
    const before = snapshot(project);
    const again = cli('import', project, '-f', 'coco', json);
    expect(again).toEqual({
      code: 0,
      stdout:
        `Imported 0 images, 0 boxes and 6 classes (COCO) into ${project}\n` +
        "8 images of the dataset were in the project already: kept as they were, without the dataset's 20 boxes on them (--existing replace or merge takes those)",
      stderr: '',
    });
    expect(snapshot(project)).toEqual(before);

    // The same dataset with one box moved far and one added.
    const dir = path.join(tmp, 'cards-edited');
    cpSync(path.join(FIXTURES, 'cards'), dir, { recursive: true });
    const edited = path.join(dir, 'annotations.json');
    const doc = JSON.parse(readFileSync(edited, 'utf8')) as {
      annotations: { id: number; image_id: number; category_id: number; bbox: number[] }[];
    };
    const first = doc.annotations[0]!;
    doc.annotations.push({ ...first, id: 999, category_id: 1 });
    first.bbox = [1, 1, 20, 20];
    writeFileSync(edited, JSON.stringify(doc));
    expect(cli('import', project, '-f', 'coco', edited, '--existing', 'merge').stdout.split('\n')[1]).toBe(
      '8 images of the dataset were in the project already: 2 boxes added to 1 image; the others were there already',
    );
    expect(cli('import', project, '-f', 'coco', edited, '--existing', 'replace').stdout.split('\n')[1]).toBe(
      '8 images of the dataset were in the project already: boxes replaced on 1 image (3 boxes removed, 2 added)',
    );
    const bad = cli('import', project, '-f', 'coco', edited, '--existing', 'overwrite');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "option '--existing <choice>' argument 'overwrite' is invalid. it is keep, replace or merge",
    );
  });

  it('refuses a VOC file declaring an external entity (XXE) in one line naming the file', () => {
    const dir = path.join(tmp, 'xxe');
    mkdirSync(path.join(dir, 'Annotations'), { recursive: true });
    mkdirSync(path.join(dir, 'JPEGImages'));
    cpSync(path.join(FIXTURES, 'cards', 'images', 'IMG_2448.JPG'), path.join(dir, 'JPEGImages', 'a.jpg'));
    const xml = path.join(dir, 'Annotations', 'a.xml');
    writeFileSync(
      xml,
      '<?xml version="1.0"?>\n<!DOCTYPE annotation [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' +
        '<annotation><filename>a.jpg</filename><object><name>&xxe;</name>' +
        '<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>\n',
    );
    const project = path.join(tmp, 'xxe.dwproj');
    const r = cli('import', project, '-f', 'voc', dir);
    expect(r).toEqual({
      code: 1,
      stdout: `Created ${project}`,
      stderr:
        `dw-studio: ${xml}: line 2: declares an XML entity (<!ENTITY …>); annotation files never ` +
        'need one, and DW Studio does not read them',
    });
  });

  it('exports a package for the official DW code: COCO splits, images, a config Python reads, a README', () => {
    const project = path.join(tmp, 'cluster.dwproj');
    expect(cli('import', project, '-f', 'coco', path.join(FIXTURES, 'cards', 'annotations.json')).code).toBe(
      0,
    );
    const out = path.join(tmp, 'cards-mmdet');
    const r = cli(
      'export',
      project,
      '--format',
      'mmdet-dw',
      out,
      '--gpus',
      '4',
      '--epochs',
      '24',
      '--no-refine',
    );
    const config = path.join(out, 'dw_r50_fpn_worefine_2x_cluster.py');
    expect(r).toEqual({
      code: 0,
      stdout:
        `Exported 8 images and 20 boxes of ${project} as a package for the official DW code (mmdetection) ` +
        `to ${out} (12 files)\nConfig: ${config}\n` +
        `How to train it on a GPU cluster and bring the results back: ${path.join(out, 'README.md')}`,
      stderr: '',
    });
    const coco = (split: string) =>
      JSON.parse(readFileSync(path.join(out, 'annotations', `${split}.json`), 'utf8')) as {
        images: { file_name: string }[];
        annotations: unknown[];
        categories: { name: string }[];
      };
    expect([coco('train').images.length, coco('val').images.length]).toEqual([7, 1]);
    expect(coco('val').categories.map((c) => c.name)).toEqual([
      'nine',
      'ten',
      'jack',
      'queen',
      'king',
      'ace',
    ]);
    expect(coco('train').annotations.length + coco('val').annotations.length).toBe(20);
    for (const im of [...coco('train').images, ...coco('val').images])
      expect(existsSync(path.join(out, 'images', im.file_name))).toBe(true);
    expect(readdirSync(path.join(out, 'results'))).toEqual([]);
    // The config as mmcv loads it: 7 images / 8 a step (4 GPUs × 2) = 1 iteration an epoch, 24 in all.
    const read = readConfigs({ config, dirname: out }).config!;
    expect(read['model.bbox_head.num_classes']).toEqual(['int', 6]);
    expect(read['model.bbox_head.reg_refine']).toEqual(['bool', false]);
    expect(read['data.train.ann_file']).toEqual(['str', `${out}/annotations/train.json`]);
    expect(read['optimizer.lr']).toEqual(['float', 0.005]);
    expect(read['lr_config.warmup_iters']).toEqual(['int', 2]);
    expect(read['runner.max_epochs']).toEqual(['int', 24]);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toContain(
      'bash dist_train.sh $EXPORT/dw_r50_fpn_worefine_2x_cluster.py 4 --work-dir',
    );
  });

  it('refuses mmdet-dw settings with another format, or out of range, in one line', () => {
    const project = path.join(tmp, 'cluster.dwproj');
    const refused = (args: string[], message: string) =>
      expect(cli('export', project, ...args)).toEqual({
        code: 1,
        stdout: '',
        stderr: `dw-studio: ${message}`,
      });
    refused(['-f', 'coco', path.join(tmp, 'x1'), '--gpus', '2'], '--gpus goes with --format mmdet-dw only');
    refused(
      ['-f', 'mmdet-dw', path.join(tmp, 'x2'), '--size', '100'],
      '--size: Invalid number: must be a multiple of 32',
    );
    expect(existsSync(path.join(tmp, 'x1')) || existsSync(path.join(tmp, 'x2'))).toBe(false);
  });

  it('refuses an unknown format and a missing project, saying why', () => {
    const format = cli('import', path.join(tmp, 'x.dwproj'), '--format', 'xml', FIXTURES);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain(
      "option '-f, --format <format>' argument 'xml' is invalid. the format is coco, voc or yolo",
    );
    expect(existsSync(path.join(tmp, 'x.dwproj'))).toBe(false);

    const missing = cli('export', path.join(tmp, 'nope.dwproj'), '--format', 'voc', path.join(tmp, 'out'));
    expect(missing).toMatchObject({
      code: 1,
      stderr: `dw-studio: No project file at ${path.join(tmp, 'nope.dwproj')}`,
    });
  });
});
