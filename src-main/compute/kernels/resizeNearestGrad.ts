// ResizeNearestNeighborGrad. The stock cpu kernel (tfjs-backend-cpu 4.22) reads dy at the *input's*
// batch stride, so every image after the first gets its gradient from the wrong rows of dy: FPN
// training with batch > 1 silently goes wrong. Neither stock kernel (cpu, wasm) honours
// halfPixelCenters. Here the exact adjoint of the forward kernel: each dy value is added to the
// input pixel the forward pass copied it from.
import { type KernelFunc, type ResizeNearestNeighborGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The source index of output index `i` along one axis, as the cpu forward kernel computes it. */
export function nearestSource(
  i: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, src) : src;
}

function scatterBack(
  dyValues: ArrayLike<number>,
  out: Float32Array,
  images: TensorInfo,
  dy: TensorInfo,
  attrs: ResizeNearestNeighborGradAttrs & { halfPixelCenters?: boolean },
): void {
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const half = attrs.halfPixelCenters === true;
  const rows = Array.from({ length: outH }, (_, r) => nearestSource(r, inH, outH, attrs.alignCorners, half));
  const cols = Array.from({ length: outW }, (_, c) => nearestSource(c, inW, outW, attrs.alignCorners, half));
  let src = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]!) * inW;
      for (let c = 0; c < outW; c++) {
        const dst = (rowBase + cols[c]!) * depth;
        for (let d = 0; d < depth; d++) out[dst + d]! += dyValues[src++]!;
      }
    }
  }
}

type Attrs = ResizeNearestNeighborGradAttrs & { halfPixelCenters?: boolean };

export const resizeNearestNeighborGradCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const cpu = backend as MathBackendCPU;
  const out = new Float32Array(images.shape.reduce((a, b) => a * b, 1));
  scatterBack(cpu.data.get(dy.dataId)!.values as Float32Array, out, images, dy, attrs as unknown as Attrs);
  return cpu.makeTensorInfo(images.shape, 'float32', out);
};

export const resizeNearestNeighborGradWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const wasm = backend as BackendWasm;
  // Allocate first: an allocation may grow the wasm memory, which detaches views taken before it.
  const out = wasm.makeOutput(images.shape, 'float32');
  const view = wasm.typedArrayFromHeap(out) as Float32Array;
  view.fill(0);
  scatterBack(wasm.typedArrayFromHeap(dy), view, images, dy, attrs as unknown as Attrs);
  return out;
};
