// A resumed run continues exactly where it stopped: K steps, a cancel (which checkpoints), then a
// fresh detector and optimizer loaded from that checkpoint take steps K+1 and K+2. Their losses and
// the weights they end with must equal those of the same run trained without a stop. (The loss of
// step K+1 shows the weights came back; that of K+2 and the final weights, the momentum too.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { tf } from '../../../src-main/detector/tf';
import { listCheckpoints } from '../../../src-main/training/checkpoint';
import { TrainConfig, type Snapshot, type StepMetrics } from '../../../src-main/training/protocol';
import { train } from '../../../src-main/training/trainLoop';

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

/**
 * Runs train() with a clock that moves one second per reading, so every step is reported on its
 * own; `stopAfter` cancels (as train.cancel does) once that many steps are reported.
 */
async function run(dir: string, resume: boolean, stopAfter: number | null = null) {
  const steps: StepMetrics[] = [];
  let clock = 0;
  const result = await train(CONFIG, cardsSnapshot(), dir, resume, {
    step: (m) => steps.push(m),
    evaluated: () => {},
    checkpointed: () => {},
    cancelled: () => stopAfter !== null && steps.length >= stopAfter,
    now: () => clock++,
  });
  return { steps, result };
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
});
