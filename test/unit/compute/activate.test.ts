import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { activateCompute, selectCompute, useBackend } from '../../../src-main/compute/activate';
import { CPU_PACKAGE, GPU_PACKAGE } from '../../../src-main/compute/backendChain';
import { resolvePackage } from '../../../src-main/compute/childProbe';
import { isTrainingKernel } from '../../../src-main/compute/trainingKernels';

// Where libtensorflow installed (tfjs-node), the chain rightly stops before wasm.
const nativeInstalled = [GPU_PACKAGE, CPU_PACKAGE].some((p) => resolvePackage(p) !== null);

describe('activating the chosen backend in this process', () => {
  it.skipIf(nativeInstalled)(
    'selects wasm without native TensorFlow, with our training kernels',
    async () => {
      const report = await selectCompute();
      expect(report.backend).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(isTrainingKernel('Conv2DBackpropFilter', 'wasm')).toBe(true);
      expect(isTrainingKernel('UnsortedSegmentSum', 'wasm')).toBe(true);
    },
  );

  it.skipIf(nativeInstalled)(
    'falls to the next backend when the chosen one fails to start here',
    async () => {
      const report = await activateCompute({
        report: {
          backend: 'tensorflow-gpu',
          device: 'x',
          usesGpu: true,
          threads: 1,
          skipped: [],
          probeMs: 1,
        },
        modulePath: '/nonexistent/tfjs-node-gpu/index.js',
      });
      expect(report.backend).toBe('wasm'); // 'tensorflow' has no package to load either
      expect(tf.getBackend()).toBe('wasm');
      expect(report.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(report.skipped[0]!.reason).toContain('failed to start in the training process');
    },
  );

  it('can switch to the pure-JS backend with its replacement kernels', async () => {
    await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(isTrainingKernel('Conv2DBackpropFilter', 'cpu')).toBe(true);
    expect(isTrainingKernel('Conv2DBackpropInput', 'cpu')).toBe(false);
  });
});
