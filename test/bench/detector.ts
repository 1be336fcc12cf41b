// `npm run bench:detector [-- --quick | --workers-only | --presets small,mobilenet_v2]`: forward and training-step time of each
// backbone preset on each available backend, at 128 / 256 / 384 px and batch 1 / 2 / 4; achieved
// GFLOP/s (conv FLOPs counted from the layer graph, 2 per multiply-add; a step counted as 3 forwards);
// peak tensor memory and process RSS; the training step of DW against FCOS on the same network; the
// time of the label assignment + weights as a share of the step, DW (prepare targets, pairwise
// IoU/GIoU, w_pos and P_neg) against FCOS (targets); and the data-parallel step on 1…N compute
// workers (the trainer's own), with its speed-up over one worker. Prints markdown.
import { build } from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import { GPU_PAGE_ENTRIES, MAIN_ENTRIES, NODE_BUILD } from '../../scripts/entries.mjs';
import { findBrowser } from '../../src-main/compute/browser';
import { useBackend } from '../../src-main/compute/activate';
import { physicalCores } from '../../src-main/compute/cores';
import { chooseCompute } from '../../src-main/compute/probeCompute';
import type { ImageTargets } from '../../src-main/detector/boxes';
import { detectorConfig, type BackbonePreset, type DetectorConfig } from '../../src-main/detector/config';
import { fcosHyperForStrides, DW_HYPER } from '../../src-main/detector/dwConfig';
import { dwForward, dwWeights } from '../../src-main/detector/dwLoss';
import { disposeDwTargets, prepareDwTargets } from '../../src-main/detector/dwTargets';
import { prepareFcosTargets } from '../../src-main/detector/fcosLoss';
import { fcosTargets } from '../../src-main/detector/fcosTargets';
import {
  createDetector,
  disposeDetector,
  forward,
  pointsFor,
  trainStep,
  type Detector,
} from '../../src-main/detector/model';
import { SgdMomentum } from '../../src-main/detector/optimizer';
import { tf } from '../../src-main/detector/tf';
import { usesWorkers, type BackendName, type ComputeReport } from '../../src-main/shared/api/system';
import { GpuReplicas } from '../../src-main/trainer/gpuReplicas';
import { WorkerReplicas } from '../../src-main/trainer/replicas';
import { splitSamples } from '../../src-main/trainer/trainLoop';

const ROOT = path.resolve(__dirname, '../../..');

const QUICK = process.argv.includes('--quick');
const WORKERS_ONLY = process.argv.includes('--workers-only');
const BACKEND_ARG = (() => {
  const i = process.argv.indexOf('--backend');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const PRESETS_ARG = (() => {
  const i = process.argv.indexOf('--presets');
  return i >= 0 ? (process.argv[i + 1]!.split(',') as BackbonePreset[]) : undefined;
})();
const PRESETS: BackbonePreset[] =
  PRESETS_ARG ?? (QUICK ? ['small', 'resnet18'] : ['small', 'mobilenet_v2', 'resnet18', 'resnet50']);
const SIZES = QUICK ? [128] : [128, 256, 384];
const BATCHES = QUICK ? [1, 2] : [1, 2, 4];
const CLASSES = 20;
const BOXES = 5;
/** A combination whose estimated step exceeds this is skipped (the estimate assumes 15 GFLOP/s on wasm). */
const MAX_STEP_S = QUICK ? 4 : 15;
const ASSUMED_GFLOPS: Record<BackendName, number> = {
  'tensorflow-gpu': 2000,
  webgpu: 500,
  tensorflow: 60,
  wasm: 15,
  cpu: 0.8,
};
/**
 * wasm32 addresses at most 4 GB, and tfjs-backend-wasm does not fail cleanly past it: it aborts with
 * "RuntimeError: memory access out of bounds" (seen here for resnet50 at 256 px, batch 2). Combinations
 * whose peak tensor memory, scaled from the last measured one, would pass this are skipped.
 */
const WASM_PEAK_LIMIT = 3 * 2 ** 30;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');

function syntheticTargets(B: number, S: number, seed: number): ImageTargets[] {
  let s = seed;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Array.from({ length: B }, () => {
    const boxes: number[] = [];
    for (let g = 0; g < BOXES; g++) {
      const w = 16 + r() * (S / 2);
      const h = 16 + r() * (S / 2);
      const x = r() * (S - w);
      const y = r() * (S - h);
      boxes.push(x, y, x + w, y + h);
    }
    return {
      boxesXYXY: Float32Array.from(boxes),
      labels: Int32Array.from({ length: BOXES }, () => Math.floor(r() * CLASSES)),
    };
  });
}

async function timed(fn: () => Promise<void>, reps: number): Promise<number> {
  await fn(); // warm-up (kernel setup, first-use allocation)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Assignment + weights of DW, and the targets of FCOS, on the outputs of one forward (no gradient). */
async function assignmentMs(det: Detector, images: tf.Tensor4D, targets: ImageTargets[], reps: number) {
  const [, H, W] = images.shape;
  const points = pointsFor(det.cfg, H, W);
  const out = forward(det, images);
  const xy = tf.tensor2d(points.xy, [points.count, 2]);
  const dw = await timed(async () => {
    const w = tf.tidy(() => {
      const prepared = prepareDwTargets(points, targets, CLASSES, DW_HYPER);
      const maps = dwWeights(dwForward(out, xy, prepared, DW_HYPER.iouEps), prepared, DW_HYPER);
      disposeDwTargets(prepared);
      return tf.stack([tf.sum(maps.wPos), tf.sum(maps.pNeg)]);
    });
    await w.data();
    w.dispose();
  }, reps);
  const hyper = fcosHyperForStrides(points.strides);
  const fcos = await timed(async () => {
    const t = tf.tidy(() => {
      const prepared = prepareFcosTargets(
        points,
        targets.map((t) => fcosTargets(points, t, CLASSES, hyper)),
        CLASSES,
      );
      return tf.stack([tf.sum(prepared.labelOneHot), tf.sum(prepared.ltrbStrides)]);
    });
    await t.data();
    t.dispose();
  }, reps);
  tf.dispose([out.clsLogits, out.ctrLogits, out.ltrb, xy]);
  return { dw, fcos };
}

interface Row {
  cells: string[];
  peakBytes: number;
}

async function benchCombo(cfg: DetectorConfig, backend: BackendName, S: number, B: number): Promise<Row> {
  const det = createDetector(cfg);
  const images = tf.randomNormal([B, S, S, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const targets = syntheticTargets(B, S, 7);
  const flops = { total: 0 };
  tf.tidy(() => void forward(det, images, flops));
  const reps = flops.total * 3 > 40e9 ? 2 : 3;
  const fwdMs = await timed(async () => {
    const o = forward(det, images);
    await o.ltrb.data();
    tf.dispose([o.clsLogits, o.ctrLogits, o.ltrb]);
  }, reps);
  /** One training step of `d`, waited for (the loss read back), leaving no tensor behind. */
  const step = (d: Detector, o: SgdMomentum) => async () => {
    const { losses } = trainStep(d, o, images, targets, 1e-4);
    await losses.data();
    losses.dispose();
  };
  const opt = new SgdMomentum();
  const stepMs = await timed(step(det, opt), reps);
  const profile = await tf.profile(step(det, opt));
  const assign = await assignmentMs(det, images, targets, reps);
  const rss = process.memoryUsage().rss;
  opt.dispose();
  disposeDetector(det);
  // The paper's claim is about the assigner alone: DW and FCOS on the same network, refinement off.
  const variantMs = async (assigner: 'dw' | 'fcos') => {
    const d = createDetector({ ...cfg, assigner, refine: false });
    const o = new SgdMomentum();
    const ms = await timed(step(d, o), reps);
    o.dispose();
    disposeDetector(d);
    return ms;
  };
  const dwPlainMs = await variantMs('dw');
  const fcosMs = await variantMs('fcos');
  images.dispose();
  const gf = flops.total / 1e9;
  const pct = (ms: number) => `${ms.toFixed(1)} (${((100 * ms) / stepMs).toFixed(1)}%)`;
  return {
    peakBytes: profile.peakBytes,
    cells: [
      cfg.preset,
      backend,
      `${S}`,
      `${B}`,
      gf.toFixed(2),
      fwdMs.toFixed(0),
      (gf / (fwdMs / 1000)).toFixed(1),
      stepMs.toFixed(0),
      ((3 * gf) / (stepMs / 1000)).toFixed(1),
      mb(profile.peakBytes),
      mb(rss),
      dwPlainMs.toFixed(0),
      fcosMs.toFixed(0),
      (dwPlainMs / fcosMs).toFixed(2),
      pct(assign.dw),
      pct(assign.fcos),
    ],
  };
}

/** The compute worker bundle, built as scripts/build.mjs builds it. */
async function workerEntry(): Promise<string> {
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'dw-studio-bench', 'trainerWorker.cjs');
  await build({ absWorkingDir: ROOT, ...NODE_BUILD, entryPoints: [MAIN_ENTRIES.trainerWorker], outfile });
  return outfile;
}

/**
 * The trainer's data-parallel step (DW with refinement, small preset) on 1…N compute workers: each
 * worker takes its share of the batch, the gradients are summed and every replica steps. Images/s
 * and the speed-up over one worker, measured in this one run.
 */
async function workersTable(report: ComputeReport): Promise<void> {
  if (!usesWorkers(report.backend)) {
    console.log(
      `\nData-parallel workers: skipped (${report.backend} threads its own kernels; one trainer replica).`,
    );
    return;
  }
  const entry = await workerEntry();
  const cores = physicalCores();
  const counts = Array.from({ length: Math.max(cores, 2) }, (_, i) => i + 1);
  console.log(
    `\n## Data-parallel training step (small, DW + refine, synthetic 5 boxes/image, ${CLASSES} classes; ${cores} physical cores)\n`,
  );
  const header = [
    'px',
    'batch',
    'workers',
    'step ms (median of 5)',
    'images/s',
    'speed-up',
    'gradients / exchange / update ms (worker 0)',
    'load',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const [S, B] of QUICK
    ? [[320, 4]]
    : [
        [256, 4],
        [320, 4],
        [320, 8],
      ]) {
    let base = 0;
    for (const n of counts) {
      const replicas = await WorkerReplicas.start(entry, n, report);
      try {
        const cfg = detectorConfig({ preset: 'small', numClasses: CLASSES, inputSize: S });
        await replicas.load(cfg, { kind: 'fresh' }, {});
        const targets = syntheticTargets(B!, S!, 7);
        const images = Float32Array.from({ length: B! * S! * S! * 3 }, (_, i) => Math.sin(i * 0.37));
        const timings: { gradientsMs: number; exchangeMs: number; updateMs: number }[] = [];
        const step = async () => {
          const shares = splitSamples(
            targets.map((t, b) => ({ t, b })),
            n,
          );
          const replies = await Promise.all(
            shares.map((share, rank) => {
              const per = S! * S! * 3;
              const data = new Float32Array(share.length * per);
              share.forEach(({ b }, k) => data.set(images.subarray(b * per, (b + 1) * per), k * per));
              return replicas.call(rank, {
                op: 'step',
                pixels: share.length ? { data, shape: [share.length, S!, S!] } : null,
                targets: share.map((x) => x.t),
                lr: 1e-4,
                clipNorm: null,
                apply: true,
              });
            }),
          );
          timings.push(replies[0]!.timing);
        };
        const ms = await timed(step, 5);
        if (n === 1) base = ms;
        const parts = (['gradientsMs', 'exchangeMs', 'updateMs'] as const)
          .map((k) => median(timings.slice(1).map((t) => t[k])).toFixed(0))
          .join(' / ');
        console.log(
          `| ${S} | ${B} | ${n} | ${ms.toFixed(0)} | ${((B! * 1000) / ms).toFixed(2)} | ${(base / ms).toFixed(2)}× | ${parts} | ${load()} |`,
        );
      } finally {
        await replicas.dispose();
      }
    }
  }
}

/**
 * `--backend webgpu`: the training step and the forward pass (with post-processing) on the GPU page,
 * beside the WebAssembly trainer on every core, at 320 and 640 px. On a software adapter
 * (DW_STUDIO_ALLOW_SOFTWARE_GPU=1) the numbers only show that it runs.
 */
async function webgpuTable(report: ComputeReport): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: GPU_PAGE_ENTRIES,
    outdir: path.join(ROOT, 'node_modules', '.cache', 'dw-studio-bench', 'gpu'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    logLevel: 'warning',
  });
  const found = findBrowser({ appRoot: ROOT });
  if (!found.browser) {
    console.log(`\nWebGPU: skipped (${found.looked}).`);
    return;
  }
  const allowSoftware = process.env.DW_STUDIO_ALLOW_SOFTWARE_GPU === '1';
  const gpu = await GpuReplicas.start(
    {
      browser: found.browser,
      script: path.join(ROOT, 'node_modules', '.cache', 'dw-studio-bench', 'gpu', 'gpuTrainer.js'),
      allowSoftware,
    },
    report,
  );
  const cpu = await WorkerReplicas.start(await workerEntry(), physicalCores(), report);
  try {
    const a = gpu.adapter!;
    console.log(
      `\n## WebGPU (${[a.vendor, a.architecture, a.description].filter(Boolean).join(' ')}${a.software ? ', software adapter: for correctness only' : ''}) against WebAssembly on ${physicalCores()} workers\n`,
    );
    const header = [
      'px',
      'batch',
      'GPU fwd+post ms',
      'GPU step ms',
      'GPU img/s',
      'wasm step ms',
      'wasm img/s',
      'GPU / wasm',
      'load',
    ];
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const [S, B] of [
      [320, 8],
      [640, 4],
    ] as const) {
      const cfg = detectorConfig({ preset: 'small', numClasses: CLASSES, inputSize: S });
      const targets = syntheticTargets(B, S, 7);
      const pixels = () => ({
        data: Float32Array.from({ length: B * S * S * 3 }, (_, i) => Math.sin(i * 0.37)),
        shape: [B, S, S] as [number, number, number],
      });
      const timeStep = async (replicas: GpuReplicas | WorkerReplicas) => {
        await replicas.load(cfg, { kind: 'fresh' }, {});
        const px = pixels();
        const shares = splitSamples(
          targets.map((t, b) => ({ t, b })),
          replicas.size,
        );
        return timed(async () => {
          await Promise.all(
            shares.map((share, rank) => {
              const per = S * S * 3;
              const data = new Float32Array(share.length * per);
              share.forEach(({ b }, k) => data.set(px.data.subarray(b * per, (b + 1) * per), k * per));
              return replicas.call(rank, {
                op: 'step',
                pixels: share.length ? { data, shape: [share.length, S, S] } : null,
                targets: share.map((x) => x.t),
                lr: 1e-4,
                clipNorm: null,
                apply: true,
              });
            }),
          );
        }, 3);
      };
      const gpuStep = await timeStep(gpu);
      const frames = Array.from({ length: B }, () => ({ height: S, width: S, scaleX: 1, scaleY: 1 }));
      const fwd = await timed(async () => {
        await gpu.call(0, { op: 'detect', pixels: pixels(), frames, imageIds: frames.map((_, i) => i) });
      }, 3);
      const cpuStep = await timeStep(cpu);
      console.log(
        `| ${S} | ${B} | ${fwd.toFixed(0)} | ${gpuStep.toFixed(0)} | ${((B * 1000) / gpuStep).toFixed(2)} | ${cpuStep.toFixed(0)} | ${((B * 1000) / cpuStep).toFixed(2)} | ${(cpuStep / gpuStep).toFixed(2)}× | ${load()} |`,
      );
    }
  } finally {
    await gpu.dispose();
    await cpu.dispose();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const { report, modulePath } = await chooseCompute();
  if (BACKEND_ARG === 'webgpu') {
    console.log(
      `# Detector benchmark: WebGPU\n\nmachine: ${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores; load average at start ${load()}`,
    );
    await webgpuTable(report);
    console.log(
      `\nload average at end ${load()}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return;
  }
  console.log(`# Detector benchmark${QUICK ? ' (--quick)' : ''}\n`);
  console.log(
    `machine: ${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores; load average at start ${load()}`,
  );
  console.log(`compute probe: ${report.backend} on ${report.device}`);
  for (const s of report.skipped) console.log(`  - ${s.backend} skipped: ${s.reason}`);
  if (WORKERS_ONLY) {
    await workersTable(report);
    console.log(
      `\nload average at end ${load()}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return;
  }
  console.log(
    '\nTraining step ("step ms"): DW assigner with box refinement (DW default), SGD momentum, synthetic 5 boxes/image, ' +
      `${CLASSES} classes. Times are medians after one warm-up. GFLOP = forward conv FLOPs (2 per multiply-add); ` +
      'step GFLOP/s counts 3 forwards. "DW step" and "FCOS step": the same network without refinement, ' +
      'DW against the FCOS baseline. Assignment columns: ms and share of the ' +
      'DW-with-refinement step.\n',
  );
  const backends: BackendName[] = [];
  if (report.backend === 'tensorflow-gpu' || report.backend === 'tensorflow') backends.push(report.backend);
  backends.push('wasm', 'cpu');
  const header = [
    'preset',
    'backend',
    'px',
    'batch',
    'fwd GFLOP',
    'fwd ms',
    'fwd GF/s',
    'step ms',
    'step GF/s',
    'peak tensors MB',
    'RSS MB',
    'DW step ms',
    'FCOS step ms',
    'DW / FCOS',
    'DW assign+weights ms',
    'FCOS targets ms',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const perImage128 = new Map<BackbonePreset, number>();
  for (const backend of backends) {
    await useBackend(backend, backend === report.backend ? modulePath : null);
    for (const preset of PRESETS) {
      const cfg = detectorConfig({ preset, numClasses: CLASSES });
      let lastPeak = { bytes: 0, pixels: 1 }; // peak tensor bytes per batch pixel, from the last row
      if (!perImage128.has(preset)) {
        const det = createDetector(cfg);
        const flops = { total: 0 };
        tf.tidy(() => void forward(det, tf.zeros([1, 128, 128, 3]) as tf.Tensor4D, flops));
        disposeDetector(det);
        perImage128.set(preset, flops.total);
      }
      for (const S of SIZES)
        for (const B of BATCHES) {
          const skip = (why: string) =>
            console.log(`| ${preset} | ${backend} | ${S} | ${B} | skipped (${why}) |`);
          if (backend === 'cpu' && (S !== 128 || B !== 1 || preset !== 'small')) {
            if (S === 128 && B === 1)
              skip(
                'pure JS: the patched cpu backend is ~20× slower than wasm; only small at 128 px, batch 1',
              );
            continue;
          }
          const estimate =
            (3 * perImage128.get(preset)! * B * (S / 128) ** 2) / (ASSUMED_GFLOPS[backend] * 1e9);
          if (estimate > MAX_STEP_S) {
            skip(`estimated ${estimate.toFixed(0)} s per step`);
            continue;
          }
          const peak = (lastPeak.bytes * B * S * S) / lastPeak.pixels;
          if (backend === 'wasm' && peak > WASM_PEAK_LIMIT) {
            skip(`needs ~${(peak / 2 ** 30).toFixed(1)} GB of tensors; the wasm heap ends at 4 GB`);
            continue;
          }
          const row = await benchCombo(cfg, backend, S, B);
          lastPeak = { bytes: row.peakBytes, pixels: B * S * S };
          console.log(`| ${row.cells.join(' | ')} |`);
        }
    }
  }
  await workersTable(report);
  console.log(
    `\nload average at end ${load()}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
