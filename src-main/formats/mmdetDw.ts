// A project as a package for the official DW code (strongwolf/DW, on mmdetection 2.x), which trains
// with PyTorch's distributed data parallel and so scales out to many GPUs: COCO files of the splits, a
// config in the recipe of the official `configs/dw_r50_fpn_1x_coco.py` for this dataset, and a README
// with the commands. Every value of the config is the official one (SPEC §9.1) unless it depends on the
// project or the cluster, and `configValueSources` says where each comes from.
import { TrainConfig } from '../shared/api/training';
import { WARMUP_SHARE, warmupLength } from '../shared/runSettings';
import { writeCoco } from './coco';
import type { ExportDataset, ExportImage, ExportLayout } from './exportDataset';
import { dict, expr, float, pyAssign, pyString, tuple, type PyValue } from './pythonConfig';

/** The official recipe's batch: 8 GPUs × 2 images, for which its learning rate 0.01 is set. */
export const OFFICIAL_BATCH = 16;
export const OFFICIAL_LR = 0.01;
export const OFFICIAL_WARMUP_ITERS = 1000;
/** mmdetection's `img_scale` (long, short) of the official configs. */
export const OFFICIAL_IMG_SCALE: [number, number] = [1333, 800];
const OFFICIAL_LOG_INTERVAL = 50;

export interface MmdetDwPlan {
  /** The project's name, for the comments, the README and the config's file name. */
  project: string;
  /** "DW Studio 0.1.0": who wrote the package. */
  writtenBy: string;
  /** Box refinement (the official 1x config) or not (its `worefine` variant). */
  refine: boolean;
  /** mmdetection's img_scale: images are resized to fit (long, short), the aspect ratio kept. */
  imgScale: [number, number];
  epochs: number;
  gpus: number;
  imagesPerGpu: number;
}

/** The numbers of the schedule that follow from the plan and the dataset. */
export interface MmdetDwSchedule {
  batch: number;
  itersPerEpoch: number;
  totalIters: number;
  /** The official learning rate scaled with the batch (mmdetection's linear scaling rule). */
  lr: number;
  warmupIters: number;
  /** Epochs after which the learning rate drops ×0.1: the official 8 and 11 of 12, in proportion. */
  steps: number[];
  logInterval: number;
}

export function mmdetDwSchedule(plan: MmdetDwPlan, trainImages: number): MmdetDwSchedule {
  const batch = plan.gpus * plan.imagesPerGpu;
  const itersPerEpoch = Math.max(1, Math.ceil(trainImages / batch));
  const totalIters = itersPerEpoch * plan.epochs;
  const { decayAt } = TrainConfig.parse({});
  return {
    batch,
    itersPerEpoch,
    totalIters,
    lr: Number(((OFFICIAL_LR * batch) / OFFICIAL_BATCH).toPrecision(12)),
    warmupIters: warmupLength({ warmupSteps: OFFICIAL_WARMUP_ITERS }, totalIters),
    steps: decayAt.map((at) => Math.max(1, Math.round(at * plan.epochs))),
    logInterval: Math.min(OFFICIAL_LOG_INTERVAL, itersPerEpoch),
  };
}

/** The config's file name, in the official naming: `dw_r50_fpn_1x_<project>.py`, `…_worefine_…`. */
export function configFileName(plan: MmdetDwPlan): string {
  const slug =
    plan.project
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'project';
  const schedule = plan.epochs % 12 === 0 ? `${plan.epochs / 12}x` : `${plan.epochs}e`;
  return `dw_r50_fpn${plan.refine ? '' : '_worefine'}_${schedule}_${slug}.py`;
}

/**
 * Where each value of the config comes from, by its dotted path ('model.bbox_head.num_classes'):
 * what the README and the tests cite. Paths not listed are the official config's values as they are.
 */
export function configValueSources(plan: MmdetDwPlan): Record<string, string> {
  const scale = `${plan.imgScale[0]} × ${plan.imgScale[1]}`;
  return {
    classes: "the project's classes, in its order",
    'model.bbox_head.num_classes': "the number of the project's classes",
    'model.bbox_head.reg_refine': plan.refine
      ? 'on, as in configs/dw_r50_fpn_1x_coco.py (DWHead’s default)'
      : 'off, as in configs/dw_r50_fpn_worefine_1x_coco.py',
    data_root: "this file's folder ({{ fileDirname }}, which mmcv fills in)",
    'data.*.ann_file': "the export's COCO files: train for training, val for validation and testing",
    'data.*.img_prefix': "the export's images/ folder",
    'data.*.classes': "the project's classes (mmdetection's CocoDataset reads only these categories)",
    'train_pipeline.Resize.img_scale':
      plan.imgScale.join() === OFFICIAL_IMG_SCALE.join()
        ? `${scale}, the official scale`
        : `${scale}: the export's image size (the official scale is 1333 × 800)`,
    'data.samples_per_gpu': `${plan.imagesPerGpu} images per GPU (official: 2)`,
    'optimizer.lr': `0.01 × batch / 16: the official learning rate for 8 GPUs × 2 images, scaled to ${plan.gpus} × ${plan.imagesPerGpu}`,
    'lr_config.warmup_iters': `the official 1000 iterations, at most ${WARMUP_SHARE * 100}% of the run (as DW Studio's own runs)`,
    'lr_config.step': `the official epochs 8 and 11 of 12, in proportion to ${plan.epochs} epochs`,
    'runner.max_epochs': `${plan.epochs} epochs (official: 12)`,
    'log_config.interval': 'the official 50 iterations, at most one epoch (so a small dataset still logs)',
  };
}

/** The config's text: the official recipe with the project's classes, data, scale and schedule. */
export function writeDwConfig(d: ExportDataset, plan: MmdetDwPlan, trainImages: number): string {
  const s = mmdetDwSchedule(plan, trainImages);
  const scale = tuple(...plan.imgScale);
  const dataset = (ann: string) =>
    dict({
      type: expr('dataset_type'),
      classes: expr('classes'),
      ann_file: expr(`data_root + ${pyString(`annotations/${ann}.json`)}`),
      img_prefix: expr(`data_root + 'images/'`),
      pipeline: expr(ann === 'train' ? 'train_pipeline' : 'test_pipeline'),
    });
  const assignments: Array<[string, PyValue, string?]> = [
    ['classes', tuple(...d.classes)],
    [
      'model',
      dict({
        type: 'FCOS',
        backbone: dict({
          type: 'ResNet',
          depth: 50,
          num_stages: 4,
          out_indices: tuple(0, 1, 2, 3),
          frozen_stages: 1,
          norm_cfg: dict({ type: 'BN', requires_grad: true }),
          norm_eval: true,
          style: 'pytorch',
          init_cfg: dict({ type: 'Pretrained', checkpoint: 'torchvision://resnet50' }),
        }),
        neck: dict({
          type: 'FPN',
          in_channels: [256, 512, 1024, 2048],
          out_channels: 256,
          start_level: 1,
          add_extra_convs: 'on_output',
          num_outs: 5,
          relu_before_extra_convs: true,
        }),
        bbox_head: dict({
          type: 'DWHead',
          num_classes: d.classes.length,
          in_channels: 256,
          stacked_convs: 4,
          feat_channels: 256,
          strides: [8, 16, 32, 64, 128],
          reg_refine: plan.refine,
          loss_bbox: dict({ type: 'GIoULoss', loss_weight: float(1) }),
        }),
        train_cfg: null,
        test_cfg: dict({
          nms_pre: 1000,
          min_bbox_size: 0,
          score_thr: 0.05,
          nms: dict({ type: 'nms', iou_threshold: 0.6 }),
          max_per_img: 100,
          with_nms: true,
        }),
      }),
    ],
    ['dataset_type', 'CocoDataset'],
    ['data_root', '{{ fileDirname }}/', "mmcv fills in this file's folder: the data sits beside it"],
    ['img_norm_cfg', dict({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true })],
    [
      'train_pipeline',
      [
        dict({ type: 'LoadImageFromFile' }),
        dict({ type: 'LoadAnnotations', with_bbox: true }),
        dict({ type: 'Resize', img_scale: scale, multiscale_mode: 'range', keep_ratio: true }),
        dict({ type: 'RandomFlip', flip_ratio: 0.5 }),
        dict({ type: 'Normalize' }, 'img_norm_cfg'),
        dict({ type: 'Pad', size_divisor: 32 }),
        dict({ type: 'DefaultFormatBundle' }),
        dict({ type: 'Collect', keys: ['img', 'gt_bboxes', 'gt_labels'] }),
      ],
    ],
    [
      'test_pipeline',
      [
        dict({ type: 'LoadImageFromFile' }),
        dict({
          type: 'MultiScaleFlipAug',
          img_scale: scale,
          flip: false,
          transforms: [
            dict({ type: 'Resize', keep_ratio: true }),
            dict({ type: 'RandomFlip' }),
            dict({ type: 'Normalize' }, 'img_norm_cfg'),
            dict({ type: 'Pad', size_divisor: 32 }),
            dict({ type: 'ImageToTensor', keys: ['img'] }),
            dict({ type: 'Collect', keys: ['img'] }),
          ],
        }),
      ],
    ],
    [
      'data',
      dict({
        samples_per_gpu: plan.imagesPerGpu,
        workers_per_gpu: 2,
        train: dataset('train'),
        val: dataset('val'),
        test: dataset('val'),
      }),
    ],
    ['evaluation', dict({ interval: 1, metric: 'bbox' })],
    [
      'optimizer',
      dict({
        type: 'SGD',
        lr: s.lr,
        paramwise_cfg: dict({ norm_decay_mult: float(0) }),
        momentum: 0.9,
        weight_decay: 0.0001,
      }),
    ],
    ['optimizer_config', dict({ grad_clip: null })],
    [
      'lr_config',
      dict({
        policy: 'step',
        warmup: 'linear',
        warmup_iters: s.warmupIters,
        warmup_ratio: 0.001,
        step: s.steps,
      }),
    ],
    ['runner', dict({ type: 'EpochBasedRunner', max_epochs: plan.epochs })],
    ['checkpoint_config', dict({ interval: 2 })],
    ['log_config', dict({ interval: s.logInterval, hooks: [dict({ type: 'TextLoggerHook' })] })],
    ['dist_params', dict({ backend: 'nccl' })],
    ['log_level', 'INFO'],
    ['load_from', null],
    ['resume_from', null],
    ['workflow', [tuple('train', 1)]],
    ['find_unused_parameters', false],
  ];
  const header = [
    `# DW (Dual Weighting, CVPR 2022) on FCOS with a ResNet-50 FPN, ${plan.refine ? 'with' : 'without'} box refinement,`,
    `# for the DW Studio project ${plan.project}: the recipe of the official configs/dw_r50_fpn_${plan.refine ? '' : 'worefine_'}1x_coco.py`,
    `# (github.com/strongwolf/DW) with this project's ${d.classes.length} classes, data, image scale and schedule.`,
    `# ${plan.gpus} GPUs × ${plan.imagesPerGpu} images (a batch of ${s.batch}), ${s.itersPerEpoch} iteration${s.itersPerEpoch === 1 ? '' : 's'} per epoch, ${plan.epochs} epochs.`,
    `# Written by ${plan.writtenBy}. Data paths are relative to this file; README.md has the commands.`,
  ];
  const body = assignments.map(([k, v, note]) => `${note ? `# ${note}\n` : ''}${pyAssign(k, v)}`);
  return `${header.join('\n')}\n\n${body.join('\n\n')}\n`;
}

/**
 * The package: the config, the README, `annotations/{train,val}.json` (and `unlabeled.json` when the
 * export includes unlabeled images) and every image in `images/`; `results/` waits for the test
 * script's output.
 */
export function writeMmdetDw(d: ExportDataset, plan: MmdetDwPlan): ExportLayout {
  const labeled = d.images.filter((im) => im.labeled !== false);
  const train = labeled.filter((im) => im.split === 'train');
  const val = labeled.filter((im) => im.split === 'val');
  const unlabeled = d.images.filter((im) => im.labeled === false);
  const coco = (images: ExportImage[]) => writeCoco({ classes: d.classes, images }).files[0]!.content;
  const config = configFileName(plan);
  const files = [
    { path: config, content: writeDwConfig(d, plan, train.length) },
    { path: 'README.md', content: mmdetDwReadme(plan, { train, val, unlabeled, classes: d.classes }) },
    { path: 'annotations/train.json', content: coco(train) },
    { path: 'annotations/val.json', content: coco(val) },
    ...(unlabeled.length > 0 ? [{ path: 'annotations/unlabeled.json', content: coco(unlabeled) }] : []),
  ];
  return {
    files,
    imagePaths: new Map(d.images.map((img) => [img.name, `images/${img.name}`])),
    folders: ['results'],
  };
}

function mmdetDwReadme(
  plan: MmdetDwPlan,
  d: { train: ExportImage[]; val: ExportImage[]; unlabeled: ExportImage[]; classes: string[] },
): string {
  const config = configFileName(plan);
  const work = `$EXPORT/work_dirs/${config.replace(/\.py$/, '')}`;
  const s = mmdetDwSchedule(plan, d.train.length);
  const boxes = [...d.train, ...d.val].reduce((n, im) => n + im.boxes.length, 0);
  const n = plan.gpus;
  const lines = [
    `# ${plan.project}: training with the official DW code`,
    '',
    `This folder is the DW Studio project ${plan.project} packed for the official implementation of DW`,
    '(github.com/strongwolf/DW, on mmdetection 2.x), which trains on many GPUs with PyTorch’s distributed',
    `data parallel: ${d.train.length} training and ${d.val.length} validation images with ${boxes} boxes of ${d.classes.length} classes.`,
    '',
    '| file | what it is |',
    '|---|---|',
    `| \`${config}\` | the config: DW ${plan.refine ? 'with' : 'without'} box refinement on a ResNet-50 FPN, images resized to fit ${plan.imgScale.join(' × ')}, ${plan.epochs} epochs on ${n} GPUs × ${plan.imagesPerGpu} images (learning rate ${s.lr}, ${s.warmupIters} warmup iterations, ×0.1 after epochs ${s.steps.join(' and ')}) |`,
    '| `annotations/train.json`, `annotations/val.json` | COCO files of the train and val splits |',
    ...(d.unlabeled.length > 0
      ? [`| \`annotations/unlabeled.json\` | the ${d.unlabeled.length} unlabeled images, to predict |`]
      : []),
    '| `images/` | the images |',
    '| `results/` | where the commands below write COCO results |',
    '',
    'The config reads its data relative to its own folder, so this folder may sit anywhere on the cluster.',
    '',
    '## Set up, once',
    '',
    '```sh',
    'git clone https://github.com/strongwolf/DW && cd DW',
    '# PyTorch with CUDA, mmcv-full 1.x and mmdetection 2.x (2.18 or later), as its README says',
    '```',
    '',
    `## Train on ${n} GPUs`,
    '',
    'From the DW folder (its `train.py` registers the DW head):',
    '',
    '```sh',
    'EXPORT=/path/to/this/folder',
    `bash dist_train.sh $EXPORT/${config} ${n} --work-dir ${work}`,
    '```',
    '',
    `If the repository's \`dist_train.sh\` names a \`train.py\` it does not have, start the same run directly:`,
    '',
    '```sh',
    `python -m torch.distributed.launch --nproc_per_node=${n} --master_port=29500 \\`,
    `    train.py $EXPORT/${config} --launcher pytorch --work-dir ${work}`,
    '```',
    '',
    `The learning rate is set for a batch of ${s.batch} (${n} GPUs × ${plan.imagesPerGpu} images): on another number of GPUs, export`,
    'again with that number, so that the learning rate, warmup and iterations follow the batch.',
    ...(d.val.length === 0
      ? [
          '',
          'The project has no validation images: add `--no-validate` to the training command (or move some',
          'images to the val split and export again).',
        ]
      : []),
    '',
    '## Write COCO results',
    '',
    'With the trained model, the repository’s test script writes the detections on the val split as a COCO',
    'results file, `results/val.bbox.json` (or prints the COCO mAP, with `--eval bbox` instead):',
    '',
    '```sh',
    `bash dist_test.sh $EXPORT/${config} ${work}/latest.pth ${n} \\`,
    '    --format-only --eval-options jsonfile_prefix=$EXPORT/results/val',
    '```',
    ...(d.unlabeled.length > 0
      ? [
          '',
          'And on the unlabeled images, whose detections come back as suggestions to accept or reject:',
          '',
          '```sh',
          `bash dist_test.sh $EXPORT/${config} ${work}/latest.pth ${n} \\`,
          '    --cfg-options data.test.ann_file=$EXPORT/annotations/unlabeled.json \\',
          '    --format-only --eval-options jsonfile_prefix=$EXPORT/results/unlabeled',
          '```',
        ]
      : []),
    '',
    '## Bring the results back',
    '',
    'The results name images by the ids of the COCO file they were made from; DW Studio matches them to the',
    "project's images by file name:",
    '',
    '```sh',
    'dw-studio import-predictions project.dwproj $EXPORT/results/val.bbox.json \\',
    `    --images $EXPORT/annotations/val.json --name "DW R50 ${plan.epochs} epochs"`,
    'dw-studio eval project.dwproj --model <its id>',
    '```',
    '',
    'or in the app: Review → Import results. The model then appears in Review and its detections as',
    'suggestions in Annotate, as a model trained in DW Studio does.',
    '',
  ];
  return lines.join('\n');
}
