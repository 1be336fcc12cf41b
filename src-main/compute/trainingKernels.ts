// The gradient kernels that make training fast (or possible at all) on the JS backends (TFJS.md §3).
//   wasm: Conv2DBackpropFilter, UnsortedSegmentSum and both depthwise gradients are missing in
//         tfjs-backend-wasm 4.22, so any conv net fails at its first gradient; its
//         Conv2DBackpropInput is a naive loop (1.4–3.6 GFLOP/s) that a forward conv beats several-fold.
//   cpu:  its Conv2DBackpropFilter runs at ~0.01 GFLOP/s (97% of a step) and its UnsortedSegmentSum
//         is O(segments × size); both are replaced. Its ResizeNearestNeighborGrad (the FPN's
//         upsampling) is wrong for batch > 1 and is replaced too. Its stock Conv2DBackpropInput is
//         kept: the forward-conv form is slower there.
//   both: ResizeNearestNeighborGrad, whose stock kernels ignore halfPixelCenters.
//   webgpu: Conv2DBackpropFilter as one matrix product (its stock kernel runs a thread per filter element).
import { getKernel, registerKernel, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs-core';
import {
  conv2dBackpropFilter,
  conv2dBackpropFilterGemm,
  conv2dBackpropInput,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
} from './kernels/convGrad';
import { resizeNearestNeighborGradCpu, resizeNearestNeighborGradWasm } from './kernels/resizeNearestGrad';
import { unsortedSegmentSumCpu, unsortedSegmentSumWasm } from './kernels/segmentSum';

export type TrainingKernelBackend = 'wasm' | 'cpu' | 'webgpu';

const OURS = Symbol.for('dw-studio.trainingKernel');
type Marked = KernelFunc & { [OURS]?: true };

/** The kernel registered before ours (kept to fall back on where it is faster). */
const stock = new Map<string, KernelFunc>();
function stockKernel(kernelName: string, backendName: string): KernelFunc | undefined {
  const key = `${backendName}/${kernelName}`;
  const current = getKernel(kernelName, backendName)?.kernelFunc as Marked | undefined;
  if (current && !current[OURS]) stock.set(key, current);
  return stock.get(key);
}

function kernelsFor(backendName: TrainingKernelBackend): Record<string, KernelFunc> {
  if (backendName === 'webgpu') {
    // Its input gradient has a GEMM program behind a flag (WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE, set off
    // by the GPU page); its filter gradient has none.
    return { Conv2DBackpropFilter: conv2dBackpropFilterGemm('webgpu') };
  }
  if (backendName === 'cpu') {
    return {
      Conv2DBackpropFilter: conv2dBackpropFilter('cpu'),
      UnsortedSegmentSum: unsortedSegmentSumCpu,
      ResizeNearestNeighborGrad: resizeNearestNeighborGradCpu,
    };
  }
  return {
    Conv2DBackpropFilter: conv2dBackpropFilter('wasm'),
    Conv2DBackpropInput: conv2dBackpropInput('wasm', stockKernel('Conv2DBackpropInput', 'wasm')),
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter('wasm'),
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput('wasm'),
    UnsortedSegmentSum: unsortedSegmentSumWasm,
    ResizeNearestNeighborGrad: resizeNearestNeighborGradWasm,
  };
}

/**
 * Registers our training kernels for `backendName`, replacing stock ones where listed above.
 * Idempotent. Call it after the backend's package is loaded. Returns the kernel names now ours.
 */
export function registerTrainingKernels(backendName: TrainingKernelBackend): string[] {
  const kernels = kernelsFor(backendName);
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const current = getKernel(kernelName, backendName)?.kernelFunc as Marked | undefined;
    if (current?.[OURS]) continue;
    if (current) unregisterKernel(kernelName, backendName);
    const marked: Marked = (args) => kernelFunc(args);
    marked[OURS] = true;
    registerKernel({ kernelName, backendName, kernelFunc: marked });
  }
  return Object.keys(kernels);
}

/** Whether `kernelName` on `backendName` is one of ours (for reports and tests). */
export function isTrainingKernel(kernelName: string, backendName: string): boolean {
  return Boolean((getKernel(kernelName, backendName)?.kernelFunc as Marked | undefined)?.[OURS]);
}
