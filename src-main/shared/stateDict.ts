// A network's weights as PyTorch stores them: parameter name → shape and float32 values (row-major,
// PyTorch's own layout, e.g. conv kernels [out, in, kh, kw]).

export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = ReadonlyMap<string, StateTensor>;
