// A resumed run continues exactly where it stopped: K steps, a cancel (which checkpoints), then a
// fresh detector and optimizer loaded from that checkpoint take the remaining steps. Their learning
// rates, losses and the weights they end with must equal those of the same run trained without a
// stop. (The loss of step K+1 shows the weights came back; that of K+2 and the final weights, the
// momentum too.) With a time budget the run's length is fixed when it starts and kept by the
// checkpoint, so the learning-rate curve of the resumed part is the uninterrupted run's too.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { tf } from '../../../src-main/detector/tf';
import { listCheckpoints } from '../../../src-main/training/runFiles';
import { LocalReplicas } from '../../../src-main/trainer/replicas';
import { learningRate } from '../../../src-main/trainer/schedule';
import { train } from '../../../src-main/trainer/trainLoop';
import type { ComputeReport } from '../../../src-main/shared/api/system';
import { TrainConfig, type Snapshot, type StepMetrics } from '../../../src-main/training/protocol';

const CARDS = path.resolve(__dirname, '../../fixtures/datasets/cards');
const K = 2;

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: [number, number, number, number] }[];
  categories: { id: number; name: string }[];
}

/** The cards fixture as a training snapshot (its real image files), no validation images. */
function cardsSnapshot(): Snapshot {
  const coco = JSON.parse(readFileSync(path.join(CARDS, 'annotations.json'), 'utf8')) as Coco;
  const index = new Map(coco.categories.map((c, i) => [c.id, i]));
  return {
    classes: coco.categories.map((c) => ({ id: c.id, name: c.name })),
    train: coco.images.map((im) => {
      const anns = coco.annotations.filter((a) => a.image_id === im.id);
      return {
        id: im.id,
        path: path.join(CARDS, 'images', im.file_name),
        width: im.width,
        height: im.height,
        boxes: anns.map((a) => a.bbox),
        labels: anns.map((a) => index.get(a.category_id)!),
      };
    }),
    val: [],
    hash: 'cards',
  };
}

// Warmup and both decay points fall inside the K+2 steps, so the resumed steps must also get the
// learning rate right; flips and the epoch order depend on the step too.
const CONFIG = TrainConfig.parse({
  size: 64,
  batchSize: 2,
  maxSteps: K + 2,
  warmupSteps: 2,
  decayAt: [0.5, 0.7],
  checkpointEvery: 1000,
  seed: 5,
});

const WASM: ComputeReport = {
  backend: 'wasm',
  device: 'CPU, 1 thread (WebAssembly SIMD)',
  usesGpu: false,
  threads: 1,
  skipped: [],
  probeMs: 0,
};

/**
 * Runs train() with a clock that moves one second per reading, so every step is reported on its
 * own; `stopAfter` cancels (as train.cancel does) once that many steps are reported.
 */
async function run(dir: string, resume: boolean, stopAfter: number | null = null, config = CONFIG) {
  const steps: StepMetrics[] = [];
  let clock = 0;
  const replicas = new LocalReplicas(WASM);
  try {
    const result = await train(config, cardsSnapshot(), dir, resume, replicas, {
      step: (m) => steps.push(m),
      evaluated: () => {},
      checkpointed: () => {},
      cancelled: () => stopAfter !== null && steps.length >= stopAfter,
      now: () => clock++,
    });
    return { steps, result };
  } finally {
    await replicas.dispose();
  }
}

let tmp = '';
beforeAll(async () => {
  await useBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-resume-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resuming from a checkpoint', () => {
  it('takes the same next step as the run that never stopped (wasm, one thread)', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const straight = await run(path.join(tmp, 'straight'), false);
    expect(straight.result.cancelled).toBe(false);
    expect(straight.steps.map((m) => m.step)).toEqual([1, 2, 3, 4]);

    const stoppedDir = path.join(tmp, 'stopped');
    const first = await run(stoppedDir, false, K);
    expect(first.result).toMatchObject({ cancelled: true, steps: K });
    expect(listCheckpoints(stoppedDir).map((d) => path.basename(d))).toEqual(['step-00000002']);
    // Up to the stop, the two runs are the same run.
    expect(first.steps).toEqual(straight.steps.slice(0, K));

    const resumed = await run(stoppedDir, true);
    expect(resumed.result).toMatchObject({ cancelled: false, steps: K + 2 });
    expect(resumed.steps.map((m) => m.step)).toEqual([K + 1, K + 2]);
    for (const [i, b] of resumed.steps.entries()) {
      const a = straight.steps[K + i]!;
      expect(b.lr).toBe(a.lr);
      expect(Object.keys(b.losses)).toEqual(['total', 'clsPos', 'loc', 'clsNeg']);
      // Bit-identical: the same float32 kernels on the same inputs, in the same order.
      expect(b.losses).toEqual(a.losses);
    }
    const weights = (dir: string) => readFileSync(path.join(dir, 'model', 'weights.bin'));
    expect(weights(stoppedDir).equals(weights(path.join(tmp, 'straight')))).toBe(true);

    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('keeps the learning-rate curve of a time budget: the length fixed at the start survives the stop', async () => {
    // One clock second per reading: the three calibration steps make the run ~8 steps long.
    const timed = TrainConfig.parse({ ...CONFIG, maxSteps: null, minutes: 0.1, decayAt: [0.5, 0.75] });
    const straight = await run(path.join(tmp, 'timed-straight'), false, null, timed);
    const total = straight.result.totalSteps;
    expect(total).toBeGreaterThan(K + 2);
    expect(straight.steps.map((m) => m.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Every step's rate is the schedule's at that step of a run of that length, warmup and decays included.
    straight.steps.forEach((m) => {
      expect(m.totalSteps).toBe(total);
      expect(m.lr).toBe(learningRate(timed, m.step - 1, total));
    });
    expect(new Set(straight.steps.map((m) => m.lr)).size).toBeGreaterThanOrEqual(3);

    const stoppedDir = path.join(tmp, 'timed-stopped');
    const first = await run(stoppedDir, false, K, timed);
    expect(first.result).toMatchObject({ cancelled: true, steps: K, totalSteps: total });
    const resumed = await run(stoppedDir, true, null, timed);
    expect(resumed.result).toMatchObject({ cancelled: false, steps: total, totalSteps: total });
    expect([...first.steps, ...resumed.steps].map((m) => [m.step, m.lr, m.totalSteps])).toEqual(
      straight.steps.map((m) => [m.step, m.lr, m.totalSteps]),
    );
    expect(resumed.steps.map((m) => m.losses)).toEqual(straight.steps.slice(K).map((m) => m.losses));
    // The ETA counts down to zero and never below.
    resumed.steps.forEach((m) => expect(m.etaSec).toBeGreaterThanOrEqual(0));
    expect(resumed.steps.at(-1)!.etaSec).toBe(0);
  });
});
