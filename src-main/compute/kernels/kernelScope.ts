import {
  getKernel,
  type Attribute,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * Runs other kernels of one backend from inside a kernel, and frees the intermediates when done.
 *
 * Kernels compose at the TensorInfo level (no tensors, no tape): each result is a fresh
 * reference that the caller owns, so every intermediate goes through `temp()` and is released by
 * `dispose()`. Kernels such as Reshape return the input's data with an extra reference, which the
 * same release handles.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs `kernelName` on this backend; the caller owns the result. */
  run(
    kernelName: string,
    inputs: NamedTensorInfoMap,
    attrs: Record<string, Attribute | null> = {},
  ): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (!kernel) throw new Error(`kernel ${kernelName} is not registered for backend '${this.backendName}'`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs`);
    return out;
  }

  /** Like `run`, but the result is an intermediate released by `dispose()`. */
  tmp(
    kernelName: string,
    inputs: NamedTensorInfoMap,
    attrs: Record<string, Attribute | null> = {},
  ): TensorInfo {
    const out = this.run(kernelName, inputs, attrs);
    this.temps.push(out);
    return out;
  }

  /** Tracks a tensor made outside `run` (e.g. written directly on the heap) as an intermediate. */
  adopt(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return sameShape(x.shape, shape) ? x : this.tmp('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return perm.every((p, i) => p === i) ? x : this.tmp('Transpose', { x }, { perm });
  }

  /** Zero padding; `paddings` is one [before, after] pair per axis. */
  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.tmp('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && sameShape(x.shape, size)) return x;
    return this.tmp('Slice', { x }, { begin, size });
  }

  /** Releases every intermediate made with `tmp()`. */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Runs `body` with a scope for one backend and always frees the intermediates. */
export function withScope<T>(backend: unknown, backendName: string, body: (s: KernelScope) => T): T {
  const scope = new KernelScope(backend as KernelBackend, backendName);
  try {
    return body(scope);
  } finally {
    scope.dispose();
  }
}
