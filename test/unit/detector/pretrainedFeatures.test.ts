// The backbones against real torchvision: resnet18, resnet50 and mobilenet_v2 with the same synthetic
// weights (every state-dict entry from a formula both sides compute bit for bit), loaded through
// importTorchvision, give torchvision's C3, C4 and C5 (scripts/dev/torchvisionReference.py).
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { detectorConfig } from '../../../src-main/detector/config';
import { createDetector, disposeDetector } from '../../../src-main/detector/model';
import { backboneForward } from '../../../src-main/detector/network/backbone';
import { tf } from '../../../src-main/detector/tf';
import { importTorchvision } from '../../../src-main/detector/torchvisionWeights';
import { formulaInput, formulaState, reference, type FeatureSummary } from './torchvisionFixture';

beforeAll(async () => {
  await useBackend('wasm');
});

// Both sides compute in float32 with different summation orders (XNNPACK here, oneDNN/ATen there),
// and frozen BatchNorm as one scale and shift here but (x − μ)/σ·γ + β there, so each layer adds
// rounding of ~1e-7–1e-6 of its output's scale. Through 20–50 layers the measured worst sampled
// deviation is 3.6e-6 (resnet18), 4.9e-6 (resnet50) and 4.9e-6 (mobilenet_v2) of the map's RMS, the
// sums within 1e-7 of Σ|x| and the sums of squares within 2.5e-7. Rounding errors are absolute on the
// scale of the map, so values are compared against its RMS (a value near 0 has no meaningful relative
// error), with about 4× the measured worst case as margin. A wrong layout, padding or kernel
// transposition moves values by O(RMS).
const TOL = 2e-5;
const SUM_TOL = 1e-6;

function compare(level: string, ref: FeatureSummary, shape: number[], data: Float32Array): void {
  const [, C, H, W] = ref.shape;
  expect(shape, level).toEqual([1, H, W, C]);
  const n = C * H * W;
  const rms = Math.sqrt(ref.sumSq / n);
  let [sum, sumSq] = [0, 0];
  for (const v of data) {
    sum += v;
    sumSq += v * v;
  }
  expect(Math.abs(sum - ref.sum), `${level} sum`).toBeLessThanOrEqual(SUM_TOL * ref.sumAbs);
  expect(Math.abs(sumSq / ref.sumSq - 1), `${level} sum of squares`).toBeLessThanOrEqual(SUM_TOL);
  let worst = 0;
  for (const [i, expected] of ref.samples) {
    const [c, y, x] = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
    worst = Math.max(worst, Math.abs(data[(y * W + x) * C + c]! - expected) / rms);
  }
  expect(worst, `${level}: worst sampled deviation / RMS`).toBeLessThanOrEqual(TOL);
}

describe('backbones against torchvision', () => {
  it.each(['resnet18', 'resnet50', 'mobilenet_v2'] as const)('%s: C3, C4, C5', (preset) => {
    const model = reference().models[preset];
    const det = createDetector(detectorConfig({ preset, numClasses: 1, backboneNorm: 'frozen-bn' }));
    try {
      const report = importTorchvision(det, formulaState(model));
      expect(report.missing).toEqual([]);
      const [n, c, h, w] = model.input;
      const features = tf.tidy(() => {
        const images = tf.tensor4d(formulaInput(model), [n, h, w, c]);
        const { c3, c4, c5 } = backboneForward({ params: det.params }, det.cfg, images);
        return [c3, c4, c5];
      });
      (['c3', 'c4', 'c5'] as const).forEach((level, i) =>
        compare(level, model.features[level], features[i]!.shape, features[i]!.dataSync() as Float32Array),
      );
      tf.dispose(features);
    } finally {
      disposeDetector(det);
    }
  });
});
