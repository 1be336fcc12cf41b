// UnsortedSegmentSum, the gradient of gather(): out[id[i], ...] += x[i, ...].
// Ids outside [0, numSegments) are dropped, as the stock cpu kernel does.
import { util, type KernelFunc, type TensorInfo, type UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

type Numbers = ArrayLike<number> & { [i: number]: number; fill(v: number): unknown };

/** The loop itself, on plain arrays: O(x.size), not O(numSegments × x.size) like the stock cpu kernel. */
export function accumulateSegments(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  out: Numbers,
): void {
  const numSegments = out.length / inner;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < numSegments)) continue;
    const dst = id * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) out[dst + j]! += x[src + j]!;
  }
}

function geometry(x: TensorInfo, segmentIds: TensorInfo, numSegments: number) {
  const innerShape = x.shape.slice(segmentIds.shape.length);
  return { outShape: [numSegments, ...innerShape], inner: util.sizeFromShape(innerShape) };
}

/** wasm: reads and writes the tensors in place on the wasm heap. */
export const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const wasm = backend as BackendWasm;
  const { outShape, inner } = geometry(x, segmentIds, numSegments);
  // Allocate first: an allocation may grow the wasm memory, which detaches views taken before it.
  const out = wasm.makeOutput(outShape, x.dtype);
  const outView = wasm.typedArrayFromHeap(out) as Numbers;
  outView.fill(0);
  accumulateSegments(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(segmentIds), inner, outView);
  return out;
};

/** cpu: the same loop on the backend's JS arrays. */
export const unsortedSegmentSumCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const cpu = backend as MathBackendCPU;
  const { outShape, inner } = geometry(x, segmentIds, numSegments);
  const out = util.getTypedArrayFromDType(x.dtype as 'float32' | 'int32', numSegments * inner) as Numbers;
  const xs = cpu.data.get(x.dataId)!.values as ArrayLike<number>;
  const ids = cpu.data.get(segmentIds.dataId)!.values as ArrayLike<number>;
  accumulateSegments(xs, ids, inner, out);
  return cpu.makeTensorInfo(outShape, x.dtype, out as unknown as Float32Array);
};
