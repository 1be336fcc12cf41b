// Fine-tuning from torchvision weights (frozen BatchNorm, frozenStages 1, SPEC §1.1): over a few SGD
// steps the stem, the first stage and every BatchNorm statistic stay bit for bit as loaded, while
// the later stages (convs and BatchNorm γ/β) and the head train.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { isTrainingKernel } from '../../../src-main/compute/trainingKernels';
import type { ImageTargets } from '../../../src-main/detector/boxes';
import { detectorConfig } from '../../../src-main/detector/config';
import { createDetector, disposeDetector, trainStep } from '../../../src-main/detector/model';
import { SgdMomentum } from '../../../src-main/detector/optimizer';
import { tf } from '../../../src-main/detector/tf';
import { importTorchvision } from '../../../src-main/detector/torchvisionWeights';
import { formulaState, reference } from './torchvisionFixture';

const TARGETS: ImageTargets[] = [
  { boxesXYXY: Float32Array.from([4, 6, 40, 50, 30, 10, 60, 34]), labels: Int32Array.from([0, 1]) },
  { boxesXYXY: Float32Array.from([10, 12, 30, 58]), labels: Int32Array.from([1]) },
];

beforeAll(async () => {
  await useBackend('wasm');
});

/** The stem and first stage, named independently of isFrozen. */
const FIRST_STAGE = {
  mobilenet_v2: /^backbone\/(stem|features1)\//,
  resnet18: /^backbone\/(stem|stage2)\//,
} as const;
const STATISTIC = /\/(mean|variance)$/;

/** Bitwise equality of two float32 arrays. */
const sameBits = (a: Float32Array, b: Float32Array) =>
  new Uint32Array(a.buffer, a.byteOffset, a.length).every(
    (v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i],
  );

describe('fine-tuning keeps the frozen parts frozen', () => {
  it('trains depthwise convs with our wasm gradient kernels', () => {
    expect(isTrainingKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBe(true);
    expect(isTrainingKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBe(true);
  });

  it.each(['mobilenet_v2', 'resnet18'] as const)('%s, frozenStages 1, 3 steps', async (preset) => {
    const det = createDetector(
      detectorConfig({ preset, numClasses: 2, backboneNorm: 'frozen-bn', frozenStages: 1, refine: false }),
    );
    const opt = new SgdMomentum();
    try {
      expect(importTorchvision(det, formulaState(reference().models[preset])).missing).toEqual([]);
      const values = new Map(
        [...det.params].map(([name, p]) => [name, (p.variable.dataSync() as Float32Array).slice()]),
      );
      const fixed = [...det.params.keys()].filter((n) => FIRST_STAGE[preset].test(n) || STATISTIC.test(n));
      expect(fixed.every((n) => !det.params.get(n)!.trainable)).toBe(true);

      for (let i = 0; i < 3; i++) {
        const images = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', i) as tf.Tensor4D;
        const { losses } = trainStep(det, opt, images, TARGETS, 0.01);
        images.dispose();
        expect(Array.from(await losses.data()).every(Number.isFinite)).toBe(true);
        losses.dispose();
      }

      const changed = (n: string) =>
        !sameBits(values.get(n)!, det.params.get(n)!.variable.dataSync() as Float32Array);
      expect(fixed.filter(changed)).toEqual([]);
      const later = [...det.params.keys()].filter((n) => n.startsWith('backbone/') && !fixed.includes(n));
      const laterNorms = later.filter((n) => n.endsWith('/gamma') || n.endsWith('/beta'));
      expect(later.filter(changed).length).toBeGreaterThan(later.length / 2);
      expect(laterNorms.some(changed)).toBe(true);
      expect(laterNorms.every((n) => det.params.get(n)!.trainable)).toBe(true);
      expect(['head/conv_cls/bias', 'head/conv_reg/kernel', 'fpn/lateral3/kernel'].every(changed)).toBe(true);
    } finally {
      opt.dispose();
      disposeDetector(det);
    }
  });
});
