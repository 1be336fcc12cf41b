// `npm run bench:train`: the paper's ablation in small, on real datasets. For each dataset, import it
// into a fresh project, train the small preset on the best available backend for a fixed wall-clock
// budget with FCOS and with DW (same budget, same seed), evaluate on val, and print both side by side.
//
//   npm run bench:train -- [--minutes 15] [--datasets cards,bccd] [--data ../shared/datasets]
//                          [--arms fcos,dw,dw-refine] [--size 320] [--batch 4] [--sequential]
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src-main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src-main/shared/contract';
import { forkTrainer } from '../../src-main/training/forkTrainer';
import { createDispatch } from '../../src-main/transport/dispatch';

const ROOT = path.resolve(__dirname, '../../..');
const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const MINUTES = Number(argValue('minutes') ?? 15);
const DATASETS = (argValue('datasets') ?? 'cards,bccd').split(',');
const DATA = path.resolve(argValue('data') ?? path.join(ROOT, '..', 'shared', 'datasets'));
const ARMS = (argValue('arms') ?? 'fcos,dw').split(',') as Array<'fcos' | 'dw' | 'dw-refine'>;
const SIZE = Number(argValue('size') ?? 320);
const BATCH = Number(argValue('batch') ?? 4);
const SEED = 0;
// The arms of a dataset train side by side by default: WebAssembly uses one core each, and on a
// shared machine both then see the same load, which keeps the comparison fair.
const SEQUENTIAL = process.argv.includes('--sequential');

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
  arm: string;
  trainImages: number;
  valImages: number;
  steps: number;
  imagesPerSec: number;
  AP: number;
  AP50: number;
  AP75: number;
  backend: string;
}

async function runArm(dataset: string, arm: 'fcos' | 'dw' | 'dw-refine', work: string): Promise<ArmResult> {
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
    const coco = preparedCoco(dataset, path.join(work, arm));
    await call('project.create', { path: path.join(work, `${dataset}-${arm}.dwproj`) });
    await call('dataset.import', { format: 'coco', path: coco });
    const done = new Promise<void>((resolve) =>
      services.events.subscribe((name, payload) => {
        if (
          name === 'train.state' &&
          ['done', 'failed', 'cancelled'].includes((payload as { state: string }).state)
        )
          resolve();
      }),
    );
    const run = await call('train.start', {
      overrides: {
        assigner: arm === 'fcos' ? 'fcos' : 'dw',
        refine: arm === 'dw-refine',
        preset: 'small',
        size: SIZE,
        batchSize: BATCH,
        minutes: MINUTES,
        seed: SEED,
        // Evaluate once, at the end: the whole budget goes to training in both arms.
        evalEvery: null,
      },
    });
    process.stdout.write(`  ${dataset} / ${arm}: run ${run.id} training for ${MINUTES} min…\n`);
    await done;
    const info = (await call('runs.list', {})).find((r) => r.id === run.id)!;
    if (info.state !== 'done') throw new Error(`${dataset} / ${arm}: run ${info.state}: ${info.error}`);
    const evaluation = await call('review.evaluate', { modelId: info.modelId!, split: 'val' });
    return {
      dataset,
      arm,
      trainImages: info.trainImages,
      valImages: info.valImages,
      steps: info.steps,
      imagesPerSec: info.imagesPerSec ?? 0,
      AP: evaluation.stats.AP!,
      AP50: evaluation.stats.AP50!,
      AP75: evaluation.stats.AP75!,
      backend: `${info.backend} (${info.device})`,
    };
  } finally {
    await services.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dws-bench-train-'));
  const results: ArmResult[] = [];
  console.log(
    `bench:train — ${MINUTES} min per arm (${SEQUENTIAL ? 'one after the other' : 'arms side by side'}), small preset, ${SIZE} px, batch ${BATCH}, seed ${SEED}; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  try {
    for (const dataset of DATASETS) {
      if (SEQUENTIAL) for (const arm of ARMS) results.push(await runArm(dataset, arm, work));
      else results.push(...(await Promise.all(ARMS.map((arm) => runArm(dataset, arm, work)))));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const pct = (v: number) => (v < 0 ? '—' : (v * 100).toFixed(1));
  console.log('\n| dataset | arm | train / val images | steps | images/s | AP | AP50 | AP75 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.dataset} | ${r.arm} | ${r.trainImages} / ${r.valImages} | ${r.steps} | ${r.imagesPerSec.toFixed(1)} | ${pct(r.AP)} | ${pct(r.AP50)} | ${pct(r.AP75)} |`,
    );
  }
  console.log(
    `\nbackend: ${results[0]?.backend ?? '—'}; load after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
