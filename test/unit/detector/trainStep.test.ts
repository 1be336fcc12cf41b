// One training step end to end: no tensor leaks over 20 steps on both JS backends, the name-keyed
// SGD against hand-computed updates, frozen parameters, and weights as name → tensor maps.
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import type { ImageTargets } from '../../../src-main/detector/boxes';
import { detectorConfig, type DetectorConfigInput } from '../../../src-main/detector/config';
import {
  createDetector,
  disposeDetector,
  exportWeights,
  importWeights,
  trainStep,
  type Detector,
} from '../../../src-main/detector/model';
import { createParams, type ParamSpec } from '../../../src-main/detector/network/params';
import { SgdMomentum } from '../../../src-main/detector/optimizer';
import { tf } from '../../../src-main/detector/tf';

const TARGETS: ImageTargets[] = [
  { boxesXYXY: Float32Array.from([4, 6, 40, 50, 30, 10, 60, 34]), labels: Int32Array.from([0, 1]) },
  { boxesXYXY: Float32Array.from([10, 12, 30, 58]), labels: Int32Array.from([1]) },
];

async function steps(
  det: Detector,
  opt: SgdMomentum,
  n: number,
  onStep: (i: number, losses: Float32Array) => void,
  size = 64,
) {
  for (let i = 0; i < n; i++) {
    const images = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', i) as tf.Tensor4D;
    const { losses } = trainStep(det, opt, images, TARGETS, 0.01);
    images.dispose();
    const values = (await losses.data()) as Float32Array;
    losses.dispose();
    onStep(i, values);
  }
}

describe('training steps', () => {
  // The pure-JS backend runs a 64² step in ~1.5 s, so it gets the smallest input the FPN takes.
  it.each([
    ['wasm', 'dw', true, 64],
    ['cpu', 'dw', true, 32],
    ['wasm', 'fcos', false, 64],
  ] as const)(
    'leak nothing over 20 steps (%s, %s, refine %s, %i²)',
    async (backend, assigner, refine, size) => {
      await useBackend(backend);
      const start = tf.memory().numTensors;
      const det = createDetector(detectorConfig({ numClasses: 2, assigner, refine }));
      const opt = new SgdMomentum();
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const bytes: number[] = [];
      await steps(
        det,
        opt,
        20,
        (_, losses) => {
          expect(losses.every(Number.isFinite)).toBe(true);
          counts.push(tf.memory().numTensors);
          bytes.push(tf.memory().numBytes);
        },
        size,
      );
      // After step 1 the momentum slots exist (one per trainable parameter); nothing else stays.
      const trainable = [...det.params.values()].filter((p) => p.trainable).length;
      expect(counts[0]).toBe(before + trainable);
      expect(new Set(counts)).toEqual(new Set([counts[0]]));
      expect(new Set(bytes)).toEqual(new Set([bytes[0]]));
      opt.dispose();
      disposeDetector(det);
      expect(tf.memory().numTensors).toBe(start);
    },
    120_000,
  );

  it('leaves frozen parameters and BatchNorm statistics alone', async () => {
    await useBackend('wasm');
    const det = createDetector(
      detectorConfig({ numClasses: 2, backboneNorm: 'frozen-bn', frozenStages: 1, refine: false }),
    );
    const snapshot = (name: string) => Array.from(det.params.get(name)!.variable.dataSync());
    const names = [
      'backbone/stem/conv/kernel',
      'backbone/stage2/block0/conv1/kernel',
      'backbone/stage3/down/norm/mean',
    ];
    const moving = ['backbone/stage3/block0/conv1/kernel', 'head/conv_cls/bias'];
    const before = [...names, ...moving].map(snapshot);
    const opt = new SgdMomentum();
    await steps(det, opt, 2, () => {});
    const after = [...names, ...moving].map(snapshot);
    names.forEach((_, i) => expect(after[i]).toEqual(before[i]));
    moving.forEach((_, i) => expect(after[names.length + i]).not.toEqual(before[names.length + i]));
    opt.dispose();
    disposeDetector(det);
  });
});

describe('SgdMomentum', () => {
  const specs: ParamSpec[] = [
    { name: 'k', shape: [2], init: { kind: 'const', value: 1 }, role: 'kernel', trainable: true },
    { name: 'g', shape: [1], init: { kind: 'const', value: 2 }, role: 'norm', trainable: true },
  ];

  it('follows torch.optim.SGD (v = μv + g + wd·p; p −= lr·v), without decay on norms, skipping missing grads', async () => {
    await useBackend('cpu');
    const params = createParams(specs, 1);
    const opt = new SgdMomentum({ momentum: 0.9, weightDecay: 0.1 });
    const g = (name: string, v: number[]) => [name, tf.tensor1d(v)] as [string, tf.Tensor];
    opt.apply(new Map([g('k', [1, -1]), g('g', [0.5])]), params, 0.1);
    // k: v = [1.1, −0.9] → [0.89, 1.09]; g: v = 0.5 → 1.95
    opt.apply(new Map([g('k', [1, -1])]), params, 0.1); // 'g' has no gradient this step
    // k: g' = [1 + 0.089, −1 + 0.109], v = 0.9·[1.1, −0.9] + g' → [2.079, −1.701]; p → [0.6821, 1.2601]
    const k = Array.from(params.get('k')!.variable.dataSync());
    expect(k[0]).toBeCloseTo(0.6821, 5);
    expect(k[1]).toBeCloseTo(1.2601, 5);
    expect(params.get('g')!.variable.dataSync()[0]).toBeCloseTo(1.95, 6);
    const slots = opt.exportSlots();
    expect([...slots.keys()]).toEqual(['k/momentum', 'g/momentum']);
    expect(Array.from(slots.get('k/momentum')!.dataSync()).map((v) => +v.toFixed(4))).toEqual([
      2.079, -1.701,
    ]);
    // A fresh optimizer restored from the slots continues identically.
    const resumed = new SgdMomentum({ momentum: 0.9, weightDecay: 0.1 });
    resumed.importSlots(slots);
    expect(Array.from(resumed.exportSlots().get('g/momentum')!.dataSync())).toEqual([0.5]);
    opt.dispose();
    resumed.dispose();
  });
});

describe('weights as name → tensor maps', () => {
  const input: DetectorConfigInput = { numClasses: 3 };

  it('round-trips between two detectors and checks names and shapes', async () => {
    await useBackend('wasm');
    const a = createDetector(detectorConfig(input));
    const b = createDetector(detectorConfig({ ...input, seed: 9 }));
    const name = 'backbone/stage5/block0/conv2/kernel';
    expect(b.params.get(name)!.variable.dataSync()).not.toEqual(a.params.get(name)!.variable.dataSync());
    expect(importWeights(b, exportWeights(a))).toEqual([]);
    expect(b.params.get(name)!.variable.dataSync()).toEqual(a.params.get(name)!.variable.dataSync());

    const partial = new Map([...exportWeights(a)].slice(1));
    expect(() => importWeights(b, partial)).toThrow(/lack 1 parameters/);
    expect(importWeights(b, new Map([...partial, ['extra/x', tf.scalar(1)]]), false)).toEqual(['extra/x']);
    const wrong = new Map([[name, tf.zeros([1, 1, 1, 1])]]);
    expect(() => importWeights(b, wrong, false)).toThrow(/shape/);
    tf.dispose([...wrong.values()]);
    disposeDetector(a);
    disposeDetector(b);
  });
});
