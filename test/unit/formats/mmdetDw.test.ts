// The package for the official DW code: its config is the official configs/dw_r50_fpn_1x_coco.py (or
// its worefine variant) value for value, as Python loads both, except the values that belong to the
// project (classes, data) and to the chosen run (scale, schedule, GPUs), each checked here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportDataset, ExportImage } from '../../../src-main/formats/exportDataset';
import {
  configFileName,
  configValueSources,
  mmdetDwSchedule,
  writeMmdetDw,
  type MmdetDwPlan,
} from '../../../src-main/formats/mmdetDw';
import { readConfigs, type FlatConfig } from './mmcvConfig';

const FIXTURE = path.resolve(__dirname, '../../fixtures/mmdet/dw_r50_fpn_1x_coco.json');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-mmdet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = (name: string, split: 'train' | 'val', labeled = true): ExportImage => ({
  name,
  width: 640,
  height: 480,
  split,
  labeled,
  boxes: labeled ? [{ classIndex: 0, box: { x: 1, y: 2, w: 30, h: 40 } }] : [],
});

/** `n` training images, two for validation and one unlabeled. */
function dataset(n: number, classes = ['cat', 'dog', 'bird']): ExportDataset {
  return {
    classes,
    images: [
      ...Array.from({ length: n }, (_, i) => image(`t${i}.jpg`, 'train')),
      image('v0.jpg', 'val'),
      image('v1.jpg', 'val'),
      image('u0.jpg', 'train', false),
    ],
  };
}

const OFFICIAL: MmdetDwPlan = {
  project: 'Pets & Co',
  writtenBy: 'DW Studio test',
  refine: true,
  imgScale: [1333, 800],
  epochs: 12,
  gpus: 8,
  imagesPerGpu: 2,
};

/** Writes the package's config and reads it back through Python, with the official values beside it. */
function load(d: ExportDataset, plan: MmdetDwPlan, apply: string[]) {
  const layout = writeMmdetDw(d, plan);
  const name = configFileName(plan);
  const file = path.join(dir, name);
  writeFileSync(file, layout.files.find((f) => f.path === name)!.content);
  const { config, official } = readConfigs({
    config: file,
    dirname: '/cluster/pets',
    fixture: FIXTURE,
    apply,
  });
  return { layout, config: config!, official: official! };
}

/** The leaves of the project's own values: classes and where the data is. */
function projectValues(classes: string[]): FlatConfig {
  const out: FlatConfig = {
    data_root: ['str', '/cluster/pets/'],
    'model.bbox_head.num_classes': ['int', classes.length],
  };
  classes.forEach((c, i) => (out[`classes(${i})`] = ['str', c]));
  for (const [split, file] of [
    ['train', 'train'],
    ['val', 'val'],
    ['test', 'val'],
  ] as const) {
    out[`data.${split}.ann_file`] = ['str', `/cluster/pets/annotations/${file}.json`];
    out[`data.${split}.img_prefix`] = ['str', '/cluster/pets/images/'];
    classes.forEach((c, i) => (out[`data.${split}.classes(${i})`] = ['str', c]));
  }
  return out;
}

describe('the mmdetection DW package', () => {
  it('writes the official 1x config for the official run, but for the project’s classes and data', () => {
    // 14,400 images are 900 iterations an epoch: the official 1,000 warmup iterations fit in a tenth.
    const d = dataset(16 * 900);
    const { config, official } = load(d, OFFICIAL, ['defaults']);
    expect(mmdetDwSchedule(OFFICIAL, 16 * 900)).toMatchObject({ itersPerEpoch: 900, warmupIters: 1000 });
    // The official file names COCO's own paths; the package names its own (projectValues).
    const expected: FlatConfig = Object.fromEntries(
      Object.entries(official).filter(([k]) => !/^data\.\w+\.(ann_file|img_prefix)$/.test(k)),
    );
    Object.assign(expected, projectValues(d.classes));
    expect(config).toEqual(expected);
    expect(config['model.bbox_head.reg_refine']).toEqual(['bool', true]);
    expect(config['train_pipeline[2].img_scale(0)']).toEqual(['int', 1333]);
    expect(config['model.bbox_head.loss_bbox.loss_weight']).toEqual(['float', 1.0]);
  });

  it('writes the worefine variant when refinement is off', () => {
    const d = dataset(16 * 900);
    const plan = { ...OFFICIAL, refine: false };
    const { config, official } = load(d, plan, ['defaults', 'worefine']);
    expect(official['model.bbox_head.reg_refine']).toEqual(['bool', false]);
    for (const [k, v] of Object.entries(official)) {
      if (/^data\.\w+\.(ann_file|img_prefix)$|^data_root$|num_classes$/.test(k)) continue;
      expect(config[k], k).toEqual(v);
    }
    expect(configFileName(plan)).toBe('dw_r50_fpn_worefine_1x_pets_co.py');
  });

  it('scales the learning rate with the batch and the schedule with the epochs and the dataset', () => {
    const plan = {
      ...OFFICIAL,
      imgScale: [512, 512] as [number, number],
      epochs: 24,
      gpus: 4,
      imagesPerGpu: 1,
    };
    const { config, layout } = load(dataset(40), plan, []);
    // 40 images / 4 a step = 10 iterations an epoch, 240 in all: warmup is a tenth, 24.
    expect(config['optimizer.lr']).toEqual(['float', 0.0025]);
    expect(config['lr_config.warmup_iters']).toEqual(['int', 24]);
    expect(config['lr_config.step[0]']).toEqual(['int', 16]);
    expect(config['lr_config.step[1]']).toEqual(['int', 22]);
    expect(config['runner.max_epochs']).toEqual(['int', 24]);
    expect(config['data.samples_per_gpu']).toEqual(['int', 1]);
    expect(config['log_config.interval']).toEqual(['int', 10]);
    for (const at of ['train_pipeline[2].img_scale', 'test_pipeline[1].img_scale']) {
      expect(config[`${at}(0)`]).toEqual(['int', 512]);
      expect(config[`${at}(1)`]).toEqual(['int', 512]);
    }
    expect(configFileName(plan)).toBe('dw_r50_fpn_2x_pets_co.py');
    // The splits and the unlabeled images each have their COCO file; every image goes in images/.
    const coco = (p: string) =>
      JSON.parse(layout.files.find((f) => f.path === p)!.content) as { images: { file_name: string }[] };
    expect(coco('annotations/train.json').images).toHaveLength(40);
    expect(coco('annotations/val.json').images.map((im) => im.file_name)).toEqual(['v0.jpg', 'v1.jpg']);
    expect(coco('annotations/unlabeled.json').images.map((im) => im.file_name)).toEqual(['u0.jpg']);
    expect(layout.imagePaths.get('u0.jpg')).toBe('images/u0.jpg');
    expect(layout.folders).toEqual(['results']);
  });

  it('writes any class name as the Python string it is', () => {
    const classes = ["it's", 'a "quote"', 'back\\slash', 'line\nbreak', 'Größe', '🐟'];
    const { config } = load(dataset(4, classes), OFFICIAL, []);
    classes.forEach((c, i) => expect(config[`classes(${i})`]).toEqual(['str', c]));
    expect(config['model.bbox_head.num_classes']).toEqual(['int', 6]);
  });

  it('has a README with the commands for N GPUs, the test script and the way back', () => {
    const plan = { ...OFFICIAL, gpus: 4 };
    const { layout } = load(dataset(40), plan, []);
    const readme = layout.files.find((f) => f.path === 'README.md')!.content;
    const name = configFileName(plan);
    expect(readme).toContain(
      `bash dist_train.sh $EXPORT/${name} 4 --work-dir $EXPORT/work_dirs/dw_r50_fpn_1x_pets_co`,
    );
    expect(readme).toContain(`python -m torch.distributed.launch --nproc_per_node=4 --master_port=29500`);
    expect(readme).toContain(
      `bash dist_test.sh $EXPORT/${name} $EXPORT/work_dirs/dw_r50_fpn_1x_pets_co/latest.pth 4 \\\n    --format-only --eval-options jsonfile_prefix=$EXPORT/results/val`,
    );
    expect(readme).toContain('--cfg-options data.test.ann_file=$EXPORT/annotations/unlabeled.json');
    expect(readme).toContain(
      'dw-studio import-predictions project.dwproj $EXPORT/results/val.bbox.json \\\n    --images $EXPORT/annotations/val.json',
    );
    expect(readme).not.toContain('--no-validate');
  });

  it('says where each value that is not the official one comes from', () => {
    const sources = configValueSources({ ...OFFICIAL, gpus: 2, epochs: 6 });
    expect(sources['optimizer.lr']).toContain('scaled to 2 × 2');
    expect(sources['lr_config.step']).toContain('in proportion to 6 epochs');
    expect(Object.keys(sources)).toEqual(
      expect.arrayContaining([
        'classes',
        'model.bbox_head.num_classes',
        'data_root',
        'lr_config.warmup_iters',
      ]),
    );
  });
});
