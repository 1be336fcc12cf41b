// `npm run bench:train`: what a user gets from Train, on real datasets. For each dataset, import it
// into a fresh project and train each arm on the best available backend, one after the other (every
// run uses every core), for the same budget; evaluate on val and print the arms side by side, with
// where each run's time went. The arms: `plan` (one click on Train, only the budget and seed set),
// and the paper's ablation on the same network: `fcos`, `dw` (no refinement) and `dw-refine`.
// With `--weights <file>` (a torchvision weights file of shared/pretrained.ts), the arms are
// `pretrained` (the plan with that file imported: it starts from ImageNet) and `scratch` (the plan
// told to start from scratch) under the same budget; without the file the pretrained arm is skipped
// and the table says why.
//
//   npm run bench:train -- [--dataset cards,bccd] [--minutes 15 | --steps N] [--seeds 0,1,2]
//                          [--arms plan,fcos,dw,dw-refine] [--size 320] [--batch 4] [--workers N]
//                          [--weights resnet18-f37072fd.pth] [--data ../shared/datasets]
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src-main/services';
import type { TrainConfigInput, TrainProfile } from '../../src-main/shared/api/training';
import type { MethodInput, MethodName, MethodOutput } from '../../src-main/shared/contract';
import { forkTrainer } from '../../src-main/training/forkTrainer';
import { createDispatch } from '../../src-main/transport/dispatch';

const ROOT = path.resolve(__dirname, '../../..');
const argValue = (...names: string[]): string | undefined => {
  for (const name of names) {
    const i = process.argv.indexOf(`--${name}`);
    if (i >= 0) return process.argv[i + 1];
  }
  return undefined;
};
const STEPS = argValue('steps') ? Number(argValue('steps')) : null;
const MINUTES = STEPS === null ? Number(argValue('minutes') ?? 15) : null;
const DATASETS = (argValue('dataset', 'datasets') ?? 'cards,bccd').split(',');
const DATA = path.resolve(argValue('data') ?? path.join(ROOT, '..', 'shared', 'datasets'));
type Arm = 'plan' | 'fcos' | 'dw' | 'dw-refine' | 'pretrained' | 'scratch';
const WEIGHTS = argValue('weights') ? path.resolve(argValue('weights')!) : null;
const ARMS = (argValue('arms') ?? (WEIGHTS ? 'pretrained,scratch' : 'plan,fcos,dw,dw-refine')).split(
  ',',
) as Arm[];
/** Why the pretrained arm cannot run here, or null when it can. */
const WEIGHTS_MISSING =
  WEIGHTS === null
    ? 'no --weights file given'
    : existsSync(WEIGHTS)
      ? null
      : `${WEIGHTS} does not exist (fetch it from the address in \`dw-studio weights list\`)`;
const SEEDS = (argValue('seeds') ?? '0').split(',').map(Number);
const SIZE = argValue('size') ? Number(argValue('size')) : undefined;
const BATCH = argValue('batch') ? Number(argValue('batch')) : undefined;
const WORKERS = argValue('workers') ? Number(argValue('workers')) : undefined;

/**
 * What Python gives on this machine in the same time: torchvision FCOS, MobileNetV3-FPN from random
 * initialisation, 320 px, batch 4, SGD lr 0.01, two threads, 15 minutes (STACK.md of the build notes).
 */
const PYTORCH: Record<
  string,
  { split: string; iterations: number; imagesPerSec: number; AP: number; AP50: number; AP75: number }
> = {
  cards: { split: '296 / 67', iterations: 2245, imagesPerSec: 10.0, AP: 0.551, AP50: 0.748, AP75: 0.652 },
};

interface CocoImage {
  id: number;
  file_name: string;
  orig_split?: string;
}

/**
 * A COCO file whose images carry the split the bench uses: cards keeps its repository's own split
 * (`orig_split`, test → val: a random split leaks near-duplicate scenes); bccd uses its seeded 80/20
 * train.json / val.json.
 */
function preparedCoco(name: string, into: string): string {
  const src = path.join(DATA, name);
  const coco = JSON.parse(readFileSync(path.join(src, 'annotations.json'), 'utf8')) as {
    images: CocoImage[];
  };
  let splitOf: (im: CocoImage) => 'train' | 'val';
  if (name === 'cards') {
    splitOf = (im) => (im.orig_split === 'train' ? 'train' : 'val');
  } else {
    const val = new Set(
      (JSON.parse(readFileSync(path.join(src, 'val.json'), 'utf8')) as { images: CocoImage[] }).images.map(
        (i) => i.file_name,
      ),
    );
    splitOf = (im) => (val.has(im.file_name) ? 'val' : 'train');
  }
  const dir = path.join(into, name);
  cpSync(path.join(src, 'images'), path.join(dir, 'images'), { recursive: true });
  const out = { ...coco, images: coco.images.map((im) => ({ ...im, split: splitOf(im) })) };
  const file = path.join(dir, 'annotations.json');
  writeFileSync(file, JSON.stringify(out));
  return file;
}

interface ArmResult {
  dataset: string;
  arm: Arm;
  seed: number;
  settings: string;
  trainImages: number;
  valImages: number;
  steps: number;
  imagesPerSec: number;
  AP: number;
  AP50: number;
  AP75: number;
  device: string;
  profile: TrainProfile | null;
  load: string;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function overridesFor(arm: Arm, seed: number): Partial<TrainConfigInput> {
  const o: Partial<TrainConfigInput> = { seed };
  if (STEPS !== null) o.maxSteps = STEPS;
  else o.minutes = MINUTES!;
  if (WORKERS !== undefined) o.workers = WORKERS;
  if (arm === 'plan' || arm === 'pretrained') return o;
  if (arm === 'scratch') return { ...o, weights: null };
  return {
    ...o,
    assigner: arm === 'fcos' ? 'fcos' : 'dw',
    refine: arm === 'dw-refine',
    ...(SIZE !== undefined ? { size: SIZE } : {}),
    ...(BATCH !== undefined ? { batchSize: BATCH } : {}),
  };
}

async function runArm(dataset: string, arm: Arm, seed: number, work: string): Promise<ArmResult> {
  const home = mkdtempSync(path.join(work, 'home-'));
  const services = createServices({
    appVersion: 'bench',
    mode: 'serve',
    userDataDir: home,
    spawnTrainer: forkTrainer(path.join(ROOT, 'dist', 'main', 'trainer.cjs')),
  });
  const dispatch = createDispatch(services.handlers);
  const call = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> => {
    const r = await dispatch(method, input, { transport: 'direct' });
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value as MethodOutput<M>;
  };
  try {
    const coco = preparedCoco(dataset, path.join(work, `${arm}-${seed}`));
    await call('project.create', { path: path.join(work, `${dataset}-${arm}-${seed}.dwproj`) });
    await call('dataset.import', { format: 'coco', path: coco });
    if (arm === 'pretrained') await call('weights.import', { path: WEIGHTS! });
    const done = new Promise<void>((resolve) =>
      services.events.subscribe((name, payload) => {
        if (
          name === 'train.state' &&
          ['done', 'failed', 'cancelled'].includes((payload as { state: string }).state)
        )
          resolve();
      }),
    );
    const overrides = overridesFor(arm, seed);
    const plan = await call('train.plan', { overrides });
    const c = plan.config;
    const settings = `${c.assigner}${c.refine ? '+refine' : ''} ${c.preset} ${c.size}px b${c.batchSize} lr ${c.lr}${c.weights ? ` from ${c.weights.id}` : ' scratch'}`;
    if (arm === 'pretrained' && !c.weights)
      throw new Error(
        `${dataset} / pretrained: the plan does not start from the imported weights: ${plan.reasons.join(' ')}`,
      );
    const run = await call('train.start', { overrides });
    const budget = STEPS !== null ? `${STEPS} steps` : `${MINUTES} min`;
    process.stdout.write(`  ${dataset} / ${arm} / seed ${seed}: run ${run.id} (${settings}), ${budget}…\n`);
    await done;
    const info = (await call('runs.list', {})).find((r) => r.id === run.id)!;
    if (info.state !== 'done') throw new Error(`${dataset} / ${arm}: run ${info.state}: ${info.error}`);
    const evaluation = await call('review.evaluate', { modelId: info.modelId!, split: 'val' });
    return {
      dataset,
      arm,
      seed,
      settings,
      trainImages: info.trainImages,
      valImages: info.valImages,
      steps: info.steps,
      imagesPerSec: info.imagesPerSec ?? 0,
      AP: evaluation.stats.AP!,
      AP50: evaluation.stats.AP50!,
      AP75: evaluation.stats.AP75!,
      device: `${info.backend} (${info.device})`,
      profile: info.profile,
      load: load(),
    };
  } finally {
    await services.close();
  }
}

const pct = (v: number) => (v < 0 ? '—' : (v * 100).toFixed(1));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) => (xs.length > 1 ? `${pct(Math.min(...xs))}–${pct(Math.max(...xs))}` : '—');

function printTables(results: ArmResult[]): void {
  console.log(
    '\n| dataset | arm | settings | seed | train / val | steps | images/s | AP | AP50 | AP75 | load after |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const d of DATASETS) {
    for (const r of results.filter((x) => x.dataset === d)) {
      console.log(
        `| ${r.dataset} | ${r.arm} | ${r.settings} | ${r.seed} | ${r.trainImages} / ${r.valImages} | ${r.steps} | ${r.imagesPerSec.toFixed(2)} | ${pct(r.AP)} | ${pct(r.AP50)} | ${pct(r.AP75)} | ${r.load} |`,
      );
    }
    if (ARMS.includes('pretrained') && WEIGHTS_MISSING !== null)
      console.log(`| ${d} | pretrained | skipped: ${WEIGHTS_MISSING} | | | | | | | | |`);
    const ref = PYTORCH[d];
    if (ref && MINUTES === 15) {
      console.log(
        `| ${d} | PyTorch FCOS (reference) | torchvision MobileNetV3-FPN 320px b4 lr 0.01 | — | ${ref.split} | ${ref.iterations} | ${ref.imagesPerSec.toFixed(2)} | ${pct(ref.AP)} | ${pct(ref.AP50)} | ${pct(ref.AP75)} | — |`,
      );
    }
  }
  if (SEEDS.length > 1) {
    console.log('\n| dataset | arm | seeds | AP mean | AP min–max | AP50 mean | AP50 min–max |');
    console.log('|---|---|---|---|---|---|---|');
    for (const d of DATASETS)
      for (const arm of ARMS) {
        const rs = results.filter((r) => r.dataset === d && r.arm === arm);
        if (rs.length === 0) continue;
        const ap = rs.map((r) => r.AP);
        const ap50 = rs.map((r) => r.AP50);
        console.log(
          `| ${d} | ${arm} | ${rs.length} | ${pct(mean(ap))} | ${spread(ap)} | ${pct(mean(ap50))} | ${spread(ap50)} |`,
        );
      }
  }
  const keys: Array<keyof TrainProfile> = [
    'calibration',
    'dataWait',
    'pack',
    'steps',
    'gradients',
    'exchange',
    'update',
    'checkpoints',
    'validation',
  ];
  console.log(`\nWhere each run's time went (seconds; "steps" contains gradients, exchange and update):\n`);
  console.log(`| dataset | arm | seed | total | ${keys.join(' | ')} | other |`);
  console.log(`|${['', '', '', '', ...keys, ''].map(() => '---').join('|')}|`);
  for (const r of results) {
    const p = r.profile;
    if (!p) continue;
    const other = p.total - p.calibration - p.dataWait - p.pack - p.steps - p.checkpoints - p.validation;
    console.log(
      `| ${r.dataset} | ${r.arm} | ${r.seed} | ${p.total.toFixed(0)} | ${keys.map((k) => p[k].toFixed(1)).join(' | ')} | ${other.toFixed(1)} |`,
    );
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dws-bench-train-'));
  const results: ArmResult[] = [];
  const budget = STEPS !== null ? `${STEPS} steps` : `${MINUTES} min`;
  console.log(
    `bench:train — ${budget} per run, arms one after the other, seeds ${SEEDS.join(', ')}; load ${load()}`,
  );
  const arms = ARMS.filter((arm) => arm !== 'pretrained' || WEIGHTS_MISSING === null);
  if (arms.length < ARMS.length) console.log(`pretrained arm skipped: ${WEIGHTS_MISSING}.`);
  try {
    for (const dataset of DATASETS)
      for (const seed of SEEDS) for (const arm of arms) results.push(await runArm(dataset, arm, seed, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printTables(results);
  console.log(`\ncompute: ${results[0]?.device ?? '—'}; load after: ${load()}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
