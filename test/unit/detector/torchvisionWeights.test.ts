import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { detectorConfig } from '../../../src-main/detector/config';
import { createDetector, disposeDetector } from '../../../src-main/detector/model';
import {
  depthwiseToHwcm,
  importTorchvision,
  importTorchvisionResNet,
  oihwToHwio,
  type StateTensor,
} from '../../../src-main/detector/torchvisionWeights';
import { formulaState, reference } from './torchvisionFixture';

beforeAll(async () => {
  await useBackend('wasm');
});

/** The keys and shapes of torchvision's resnet18().state_dict(), built from its architecture. */
function resnet18State(): Map<string, StateTensor> {
  const state = new Map<string, StateTensor>();
  let seed = 1;
  const add = (key: string, shape: number[]) =>
    state.set(key, {
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (seed++ % 97) / 97),
    });
  const bn = (p: string, c: number) => {
    for (const f of ['weight', 'bias', 'running_mean', 'running_var']) add(`${p}.${f}`, [c]);
    add(`${p}.num_batches_tracked`, []);
  };
  add('conv1.weight', [64, 3, 7, 7]);
  bn('bn1', 64);
  let cin = 64;
  [64, 128, 256, 512].forEach((w, li) => {
    for (let b = 0; b < 2; b++) {
      const p = `layer${li + 1}.${b}`;
      add(`${p}.conv1.weight`, [w, b === 0 ? cin : w, 3, 3]);
      bn(`${p}.bn1`, w);
      add(`${p}.conv2.weight`, [w, w, 3, 3]);
      bn(`${p}.bn2`, w);
      if (b === 0 && li > 0) {
        add(`${p}.downsample.0.weight`, [w, cin, 1, 1]);
        bn(`${p}.downsample.1`, w);
      }
    }
    cin = w;
  });
  add('fc.weight', [1000, 512]);
  add('fc.bias', [1000]);
  return state;
}

describe('torchvision weights', () => {
  it('fill every backbone parameter of a frozen-BN resnet18, transposed to HWIO', () => {
    const det = createDetector(
      detectorConfig({ preset: 'resnet18', numClasses: 2, backboneNorm: 'frozen-bn', frozenStages: 1 }),
    );
    const state = resnet18State();
    expect(state.size).toBe(122);
    const report = importTorchvisionResNet(det, state);
    expect(report.missing).toEqual([]);
    expect(report.ignored.sort()).toEqual(
      ['fc.bias', 'fc.weight', ...[...state.keys()].filter((k) => k.endsWith('num_batches_tracked'))].sort(),
    );
    expect(report.loaded.length).toBe(100);
    const w = state.get('layer3.0.downsample.0.weight')!; // [256, 128, 1, 1]
    const ours = det.params.get('backbone/stage4/block0/downsample/conv/kernel')!.variable.dataSync();
    expect(ours[5 * 256 + 7]).toBeCloseTo(w.data[7 * 128 + 5]!, 6); // [0,0,i=5,o=7] ← [o=7,i=5,0,0]
    const mean = det.params.get('backbone/stage2/block1/norm2/mean')!.variable.dataSync();
    expect(Array.from(mean)).toEqual(Array.from(state.get('layer1.1.bn2.running_mean')!.data));
    disposeDetector(det);
  });

  it('fill every backbone parameter of mobilenet_v2 from its real key list, depthwise kernels to [3, 3, C, 1]', () => {
    const det = createDetector(detectorConfig({ preset: 'mobilenet_v2', numClasses: 2 }));
    const keys = reference().models.mobilenet_v2.stateDict;
    expect(keys.length).toBe(314);
    const state = formulaState(reference().models.mobilenet_v2);
    state.set('features.5.conv.1.1.num_batches_tracked', { shape: [], data: Float32Array.of(0) });
    const report = importTorchvision(det, state);
    expect(report.missing).toEqual([]);
    expect(report.loaded.length).toBe(255); // 52 convs and 51 BatchNorms × 4, without features.18
    expect(report.ignored.sort()).toEqual(
      [...state.keys()].filter((k) => /^(features\.18\.|classifier\.)|num_batches/.test(k)).sort(),
    );
    const dw = state.get('features.5.conv.1.0.weight')!; // [192, 1, 3, 3]
    const ours = det.params.get('backbone/features5/dw/conv/kernel')!;
    expect(ours.shape).toEqual([3, 3, 192, 1]);
    // [h=2, w=1, c=7, 0] ← [c=7, 0, h=2, w=1]
    expect(ours.variable.dataSync()[(2 * 3 + 1) * 192 + 7]).toBe(dw.data[7 * 9 + 2 * 3 + 1]);
    const first = det.params.get('backbone/features1/project/norm/variance')!.variable.dataSync();
    expect(Array.from(first)).toEqual(Array.from(state.get('features.1.conv.2.running_var')!.data));
    disposeDetector(det);
  });

  it('refuses GroupNorm backbones, the small preset and misshapen tensors', () => {
    for (const input of [
      { preset: 'resnet18' as const },
      { preset: 'mobilenet_v2' as const, backboneNorm: 'gn' as const },
      { preset: 'small' as const, backboneNorm: 'frozen-bn' as const },
    ]) {
      const det = createDetector(detectorConfig({ ...input, numClasses: 1 }));
      expect(() => importTorchvisionResNet(det, new Map())).toThrow();
      disposeDetector(det);
    }
    const det = createDetector(detectorConfig({ preset: 'mobilenet_v2', numClasses: 1 }));
    const wrong = (key: string, shape: number[]) =>
      new Map([[key, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]]);
    expect(() => importTorchvision(det, wrong('features.2.conv.1.0.weight', [144, 1, 3, 3]))).toThrow(
      /shape/,
    );
    expect(() => importTorchvision(det, wrong('features.2.conv.1.0.weight', [96, 2, 3, 3]))).toThrow(
      /depthwise/,
    );
    expect(() => importTorchvision(det, wrong('features.2.conv.0.0.weight', [96, 24, 1, 1]))).toThrow(
      /shape/,
    );
    disposeDetector(det);
  });

  it('transposes depthwise [C·M, 1, kh, kw] to [kh, kw, C, M]', () => {
    const t = depthwiseToHwcm(
      { shape: [4, 1, 1, 2], data: Float32Array.from({ length: 8 }, (_, i) => i) },
      2,
    );
    expect(t.shape).toEqual([1, 2, 2, 2]);
    // out[0][w][c][m] = in[c·2 + m][0][0][w]
    expect(Array.from(t.data)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });

  it('transposes OIHW to HWIO', () => {
    const t = oihwToHwio({ shape: [2, 3, 1, 2], data: Float32Array.from({ length: 12 }, (_, i) => i) });
    expect(t.shape).toEqual([1, 2, 3, 2]);
    // out[0][w][i][o] = in[o][i][0][w]
    expect(Array.from(t.data)).toEqual([0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]);
  });
});
