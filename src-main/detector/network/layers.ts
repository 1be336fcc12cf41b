// The building blocks of the forward pass, over named parameters (functional tfjs, NHWC).
import { tf } from '../tf';
import type { Tensor, Tensor4D } from '../tf';
import { param, type DetectorParams } from './params';

/** What a forward pass reads: the parameters, and optionally a counter of conv FLOPs (2 per MAC). */
export interface ForwardContext {
  params: DetectorParams;
  flops?: { total: number };
}

export interface ConvOptions {
  stride?: number;
  /** Apply ReLU (fused into the conv when there is no norm in between). */
  relu?: boolean;
}

type ExplicitPad = [[0, 0], [number, number], [number, number], [0, 0]];

/** PyTorch's symmetric padding (k−1)/2 on both spatial axes. */
function symmetricPad(k: number): ExplicitPad {
  const p = (k - 1) / 2;
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}

/**
 * Conv with PyTorch's symmetric padding (k−1)/2, so a stride-2 layer samples the same input pixels
 * as the torchvision/mmdet layer it mirrors (tfjs 'same' would pad only after). Output ⌈n/stride⌉.
 */
export function conv(ctx: ForwardContext, prefix: string, x: Tensor, opts: ConvOptions = {}): Tensor4D {
  const filter = param(ctx.params, `${prefix}/kernel`) as Tensor4D;
  const bias = ctx.params.get(`${prefix}/bias`)?.variable;
  const [k, , cin, cout] = filter.shape;
  const y = tf.fused.conv2d({
    x: x as Tensor4D,
    filter,
    strides: opts.stride ?? 1,
    pad: symmetricPad(k),
    bias,
    activation: opts.relu ? 'relu' : 'linear',
  });
  if (ctx.flops) {
    const [n, oh, ow] = y.shape;
    ctx.flops.total += 2 * n * oh * ow * k * k * cin * cout;
  }
  return y;
}

/**
 * Bias-free depthwise conv (kernel [k, k, C, M]: M filters per input channel; PyTorch groups = C),
 * with the same symmetric padding as `conv`.
 */
export function depthwiseConv(ctx: ForwardContext, prefix: string, x: Tensor, stride = 1): Tensor4D {
  const filter = param(ctx.params, `${prefix}/kernel`) as Tensor4D;
  const [k, , c, m] = filter.shape;
  const y = tf.depthwiseConv2d(x as Tensor4D, filter, stride, symmetricPad(k));
  if (ctx.flops) {
    const [n, oh, ow] = y.shape;
    ctx.flops.total += 2 * n * oh * ow * k * k * c * m;
  }
  return y;
}

/**
 * GroupNorm over NHWC (biased variance, eps 1e-5, as PyTorch). Statistics per (image, group) over
 * H, W and the group's channels.
 */
export function groupNorm(
  ctx: ForwardContext,
  prefix: string,
  x: Tensor,
  groups: number,
  relu = false,
): Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const g = Math.min(groups, c);
    const xg = tf.reshape(x, [n, h * w, g, c / g]); // [N, H·W, G, C/G]
    const { mean, variance } = tf.moments(xg, [1, 3], true); // [N, 1, G, 1]
    const normed = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, 1e-5))), [n, h, w, c]);
    const y = tf.add(
      tf.mul(normed, param(ctx.params, `${prefix}/gamma`)),
      param(ctx.params, `${prefix}/beta`),
    );
    return (relu ? tf.relu(y) : y) as Tensor4D;
  });
}

/** Eval-mode BatchNorm with stored statistics, folded into one scale and shift per channel. */
export function frozenBatchNorm(ctx: ForwardContext, prefix: string, x: Tensor, relu = false): Tensor4D {
  return tf.tidy(() => {
    const at = (s: string) => param(ctx.params, `${prefix}/${s}`);
    const scale = tf.mul(at('gamma'), tf.rsqrt(tf.add(at('variance'), 1e-5)));
    const shift = tf.sub(at('beta'), tf.mul(at('mean'), scale));
    const y = tf.add(tf.mul(x, scale), shift);
    return (relu ? tf.relu(y) : y) as Tensor4D;
  });
}

/** Nearest-neighbour upsampling of `x` to exactly `like`'s spatial size (SPEC §1.1). */
export function upsampleTo(x: Tensor, like: Tensor): Tensor4D {
  return tf.image.resizeNearestNeighbor(x as Tensor4D, [like.shape[1] as number, like.shape[2] as number]);
}
