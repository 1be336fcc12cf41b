// Convolution gradients written as forward convolutions, so they run on the backend's fast
// (XNNPACK on wasm) Conv2D / DepthwiseConv2dNative kernels.
//
// Notation for one spatial axis: input length H, filter length k, stride s, top padding p,
// output length o. The forward pass reads  y[u] = Σ_a xpad[u·s + a] · w[a]  with  xpad[i] = x[i − p].
import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withScope, type KernelScope } from './kernelScope';

type Shape4 = [number, number, number, number];
type ConvInfo = backend_util.Conv2DInfo;

/** The convolution a Conv2DBackpropFilter belongs to (NHWC only, as the app's networks are). */
function filterGradInfo(x: TensorInfo, a: Conv2DBackpropFilterAttrs): ConvInfo {
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported');
  return backend_util.computeConv2DInfo(
    x.shape as Shape4,
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Filter gradient: dW[a, b, ci, co] = Σ_{n,u,v} xpad[n, u·s + a, v·s + b, ci] · dy[n, u, v, co].
 * Read with ci as the batch and n as the channel, that is a stride-1 VALID convolution of
 * xpadᵀ [Ci, Hp, Wp, N] with the "filter" dyᵀ [oh, ow, N, Co] at dilation s, whose output
 * [Ci, ≥kh, ≥kw, Co] is cropped to the filter size and transposed back.
 */
export function conv2dBackpropFilter(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const info = filterGradInfo(x, attrs as unknown as Conv2DBackpropFilterAttrs);
    return withScope(backend, backendName, (s) => filterGradByConv(s, x, dy, info, 'Conv2D'));
  };
}

/**
 * Filter gradient as one matrix product, for GPUs: dW[(a,b,ci), co] = Σ_{n,u,v} col[(n,u,v), (a,b,ci)] ·
 * dy[(n,u,v), co], where col holds the k×k input patches (im2col, from k·k strided slices of the
 * padded input). The product's long inner dimension (images × output pixels) is what a GPU's
 * split-K matrix program spreads over its cores; the stock WebGPU kernel instead runs one thread per
 * filter element over the whole batch, which leaves almost every core idle.
 */
export function conv2dBackpropFilterGemm(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const info = filterGradInfo(x, attrs as unknown as Conv2DBackpropFilterAttrs);
    return withScope(backend, backendName, (s) => {
      const { batchSize: N, inChannels: C, outChannels: Co, filterHeight: kh, filterWidth: kw } = info;
      const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, padInfo } = info;
      const xp = s.pad(x, [
        [0, 0],
        [padInfo.top, padInfo.bottom],
        [padInfo.left, padInfo.right],
        [0, 0],
      ]);
      const patches: TensorInfo[] = [];
      for (let r = 0; r < kh; r++)
        for (let c = 0; c < kw; c++)
          patches.push(
            s.tmp(
              'StridedSlice',
              { x: xp },
              {
                begin: [0, r, c, 0],
                end: [N, r + (oh - 1) * sh + 1, c + (ow - 1) * sw + 1, C],
                strides: [1, sh, sw, 1],
                beginMask: 0,
                endMask: 0,
                ellipsisMask: 0,
                newAxisMask: 0,
                shrinkAxisMask: 0,
              },
            ),
          );
      const col = patches.length === 1 ? patches[0]! : s.tmp('Concat', patches as never, { axis: 3 });
      const colMatrix = s.reshape(col, [1, N * oh * ow, kh * kw * C]);
      const dyMatrix = s.reshape(dy, [1, N * oh * ow, Co]);
      const dw = s.tmp('BatchMatMul', { a: colMatrix, b: dyMatrix }, { transposeA: true, transposeB: false });
      return s.run('Reshape', { x: dw }, { shape: [kh, kw, C, Co] });
    });
  };
}

/** Depthwise filter gradient (channel multiplier M), the same identity with channels kept apart. */
export function depthwiseBackpropFilter(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      a.filterShape,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      true,
      'channelsLast',
    );
    assertNoDilation(info, 'DepthwiseConv2dNativeBackpropFilter');
    return withScope(backend, backendName, (s) => filterGradByConv(s, x, dy, info, 'DepthwiseConv2dNative'));
  };
}

function filterGradByConv(
  s: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: ConvInfo,
  conv: 'Conv2D' | 'DepthwiseConv2dNative',
): TensorInfo {
  const { batchSize: N, inChannels: C, outChannels: Co, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const xp = s.pad(x, [
    [0, 0],
    [padInfo.top, padInfo.bottom],
    [padInfo.left, padInfo.right],
    [0, 0],
  ]);
  const [, Hp, Wp] = xp.shape as Shape4;
  const dilated = {
    strides: [1, 1],
    pad: 'valid',
    dilations: [sh, sw],
    dataFormat: 'NHWC',
    dimRoundingMode: null,
  };
  if (conv === 'Conv2D') {
    const xT = s.transpose(xp, [3, 1, 2, 0]); // [Ci, Hp, Wp, N]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, Co]
    const r = s.tmp('Conv2D', { x: xT, filter: dyT }, dilated); // [Ci, Hp-(oh-1)sh, Wp-(ow-1)sw, Co]
    const rc = s.slice(r, [0, 0, 0, 0], [C, kh, kw, Co]);
    return s.run('Transpose', { x: rc }, { perm: [1, 2, 0, 3] }); // [kh, kw, Ci, Co]
  }
  // Depthwise: each (image n, channel c) pair becomes its own channel of a one-image batch, and
  // its own M filters come from dy; the per-image results are then summed.
  const M = Co / C;
  const xT = s.reshape(s.transpose(xp, [1, 2, 0, 3]), [1, Hp, Wp, N * C]); // [1, Hp, Wp, N·C]
  const dyT = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [oh, ow, N * C, M]); // [oh, ow, N·C, M]
  const r = s.tmp('DepthwiseConv2dNative', { x: xT, filter: dyT }, dilated); // [1, ≥kh, ≥kw, N·C·M]
  const rc = s.reshape(s.slice(r, [0, 0, 0, 0], [1, kh, kw, N * C * M]), [kh, kw, N, C * M]);
  const summed = s.tmp('Sum', { x: rc }, { axis: [2], keepDims: false }); // [kh, kw, C·M]
  return s.run('Reshape', { x: summed }, { shape: [kh, kw, C, M] });
}

/**
 * Input gradient: dX[i] = Σ_a dy[(i + p − a)/s] · w[a] over the a where that index is a whole
 * number in range. With z = dy with s−1 zeros after every sample, and a' = k−1−a, that is
 * dX[i] = Σ_a' z[i − (k−1−p) + a'] · wflip[a']: a stride-1 VALID convolution of z, shifted by
 * k−1−p, with the spatially flipped filter whose in/out channels are swapped.
 */
export function conv2dBackpropInput(backendName: string, stock?: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput: only NHWC is supported');
    const info = backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as Shape4,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (stock && preferDirect(info)) return stock(args);
    return withScope(backend, backendName, (s) => {
      const z = spreadAndFrame(s, dy, info);
      const swapped = flipAndSwap(s, filter); // [kh, kw, Co, Ci]
      return s.run(
        'Conv2D',
        { x: z, filter: swapped },
        {
          strides: [1, 1],
          pad: 'valid',
          dilations: [1, 1],
          dataFormat: 'NHWC',
          dimRoundingMode: null,
        },
      );
    });
  };
}

/**
 * Whether the backend's own (direct-loop) kernel is cheaper than the forward-conv form. Measured on
 * wasm: the direct loop runs at ~3.5 GFLOP/s; the forward conv at ~20 GFLOP/s, but it needs a new
 * flipped filter, which XNNPACK packs again on every call (~30 ns per weight). Weight-heavy layers on
 * small maps (ResNet stage 5 at 128 px: 2.4 M weights, 4×4 pixels) are therefore faster direct.
 */
export function preferDirect(info: ConvInfo): boolean {
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: oh, outWidth: ow } = info;
  const weights = info.filterHeight * info.filterWidth * info.inChannels * info.outChannels;
  const directMs = (2 * N * oh * ow * weights) / 3.5e6;
  // The forward conv runs over the stride-spread dy, i.e. over every input pixel.
  const forwardConvMs = (2 * N * H * W * weights) / 20e6 + weights * 3e-5;
  return directMs < forwardConvMs;
}

/** [kh, kw, Ci, Co] → [kh, kw, Co, Ci], spatially flipped: one pass over the wasm heap, or two kernels. */
function flipAndSwap(s: KernelScope, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  if (s.backendName !== 'wasm')
    return s.transpose(s.tmp('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  // The stock Reverse kernel costs ~45 ns per element (110 ms for a 3×3×512×512 filter).
  const wasm = s.backend as unknown as BackendWasm;
  const out = s.adopt(wasm.makeOutput([kh, kw, co, ci], 'float32')); // allocate before taking views
  const dst = wasm.typedArrayFromHeap(out);
  const src = wasm.typedArrayFromHeap(filter);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o]!;
    }
  return out;
}

/** Depthwise input gradient: per (channel, multiplier) the identity above, then summed over M. */
export function depthwiseBackpropInput(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    const info = backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as Shape4,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      true,
      'channelsLast',
    );
    assertNoDilation(info, 'DepthwiseConv2dNativeBackpropInput');
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, filterHeight: kh, filterWidth: kw } = info;
    const M = info.outChannels / C;
    return withScope(backend, backendName, (s) => {
      const z = spreadAndFrame(s, dy, info); // [N, H+kh-1, W+kw-1, C·M]
      const flipped = s.tmp('Reverse', { x: filter }, { dims: [0, 1] });
      const perChannel = s.reshape(flipped, [kh, kw, C * M, 1]); // one filter per (c, m) channel
      const r = s.tmp(
        'DepthwiseConv2dNative',
        { x: z, filter: perChannel },
        {
          strides: [1, 1],
          pad: 'valid',
          dilations: [1, 1],
          dimRoundingMode: null,
        },
      ); // [N, H, W, C·M]
      const split = s.reshape(r, [N, H, W, C, M]);
      return s.run('Sum', { x: split }, { axis: [4], keepDims: false }); // [N, H, W, C]
    });
  };
}

/**
 * Spreads dy [N, oh, ow, Co] by the stride (s−1 zeros after each sample) and shifts/crops it so
 * that a stride-1 VALID k×k convolution yields exactly [N, H, W, ·]: rows start at k−1−p
 * (padding when positive, cropping when the explicit padding exceeds k−1) and run to H+k−1.
 */
function spreadAndFrame(s: KernelScope, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const {
    batchSize: N,
    outHeight: oh,
    outWidth: ow,
    outChannels: Co,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  let z = dy;
  if (sh > 1 || sw > 1) {
    const r6 = s.reshape(dy, [N, oh, 1, ow, 1, Co]);
    const p6 = s.pad(r6, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    z = s.reshape(p6, [N, oh * sh, ow * sw, Co]); // [N, oh·sh, ow·sw, Co], dy at multiples of s
  }
  const rows = frame(
    oh * sh,
    info.filterHeight - 1 - info.padInfo.top,
    info.inHeight + info.filterHeight - 1,
  );
  const cols = frame(ow * sw, info.filterWidth - 1 - info.padInfo.left, info.inWidth + info.filterWidth - 1);
  const cropped = s.slice(z, [0, rows.cropBefore, cols.cropBefore, 0], [N, rows.keep, cols.keep, Co]);
  return s.pad(cropped, [
    [0, 0],
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
    [0, 0],
  ]);
}

/** Places a sequence of `length` samples so that it starts at `start` and spans `needed` samples. */
export function frame(length: number, start: number, needed: number) {
  const cropBefore = Math.max(-start, 0);
  const padBefore = Math.max(start, 0);
  const keep = Math.min(length - cropBefore, needed - padBefore);
  return { cropBefore, padBefore, keep, padAfter: needed - padBefore - keep };
}

function assertNoDilation(info: ConvInfo, kernel: string): void {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${kernel}: dilation > 1 is not supported`);
  }
}
