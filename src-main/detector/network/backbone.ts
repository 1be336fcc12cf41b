// Backbones: C3, C4, C5 (strides 8, 16, 32) from an NHWC image batch.
//
// resnet18 / resnet50 follow torchvision's layout exactly (conv1 7×7/2 → max-pool → layer1…4, v1.5
// bottlenecks with the stride on the 3×3 conv, 1×1 downsample convs), so torchvision weights map one
// to one (torchvisionWeights.ts); 'gn' swaps each BatchNorm for a GroupNorm of the same channels.
//
// small: a compact GN ResNet for training from scratch on one CPU core. A 3×3/2 stem to 16 channels,
// then per stride 4, 8, 16, 32 one 3×3/2 conv (+GN, ReLU) and one basic residual block, with 32, 64,
// 128 and 160 channels (~1.4 M parameters). Plain 3×3 convs rather than depthwise ones: WebAssembly's
// XNNPACK runs them at 25–35 GFLOP/s, and their gradients are forward convs too (TFJS.md §3), while
// depthwise layers do little arithmetic per memory access. GroupNorm rather than BatchNorm: batches
// of 1–4 images make batch statistics noise, and GN behaves the same in training and inference; it is
// what lets detectors train from scratch (He et al., "Rethinking ImageNet Pre-training", 2019).
// Each block's last GN starts at γ = 0 (Goyal et al., 2017), so every block starts as the identity.
import type { DetectorConfig } from '../config';
import { tf } from '../tf';
import type { Tensor, Tensor4D } from '../tf';
import { conv, frozenBatchNorm, groupNorm, type ForwardContext } from './layers';
import type { ParamSpecs } from './params';

export interface BackboneFeatures {
  c3: Tensor4D;
  c4: Tensor4D;
  c5: Tensor4D;
}

const HE = { kind: 'heFanOut' } as const;

interface Layout {
  block: 'basic' | 'bottleneck';
  /** Blocks per stage (strides 4, 8, 16, 32). */
  depths: number[];
  /** Inner width per stage; a bottleneck's output is 4× this. */
  widths: number[];
  /** 'torchvision': 7×7/2 conv + max-pool; 'compact': 3×3/2 conv to 16 channels, and a 3×3/2 conv opening each stage. */
  stem: 'torchvision' | 'compact';
}

const LAYOUTS: Record<DetectorConfig['preset'], Layout> = {
  small: { block: 'basic', depths: [1, 1, 1, 1], widths: [32, 64, 128, 160], stem: 'compact' },
  resnet18: { block: 'basic', depths: [2, 2, 2, 2], widths: [64, 128, 256, 512], stem: 'torchvision' },
  resnet50: { block: 'bottleneck', depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: 'torchvision' },
};

const expansion = (l: Layout) => (l.block === 'bottleneck' ? 4 : 1);

/** Channels of C3, C4, C5. */
export function backboneChannels(cfg: DetectorConfig): [number, number, number] {
  const l = LAYOUTS[cfg.preset];
  const e = expansion(l);
  return [l.widths[1]! * e, l.widths[2]! * e, l.widths[3]! * e];
}

function declareNorm(s: ParamSpecs, cfg: DetectorConfig, prefix: string, channels: number, gamma = 1): void {
  if (cfg.backboneNorm === 'gn') s.groupNorm(prefix, channels, gamma);
  else s.frozenBatchNorm(prefix, channels);
}

function norm(ctx: ForwardContext, cfg: DetectorConfig, prefix: string, x: Tensor, relu: boolean): Tensor4D {
  return cfg.backboneNorm === 'gn'
    ? groupNorm(ctx, prefix, x, cfg.backboneGnGroups, relu)
    : frozenBatchNorm(ctx, prefix, x, relu);
}

/** Stage index (2…5) and block list of the layout, in order, with each block's shape. */
function blocks(l: Layout) {
  const out: {
    stage: number;
    index: number;
    cin: number;
    width: number;
    stride: number;
    downsample: boolean;
  }[] = [];
  let cin = l.stem === 'compact' ? 16 : 64;
  l.depths.forEach((depth, si) => {
    const width = l.widths[si]!;
    if (l.stem === 'compact') cin = width; // the stage's opening conv already changed the width
    for (let b = 0; b < depth; b++) {
      // Compact stages open with their own stride-2 conv, so their blocks keep the resolution.
      const stride = l.stem === 'torchvision' && b === 0 && si > 0 ? 2 : 1;
      const cout = width * expansion(l);
      out.push({ stage: si + 2, index: b, cin, width, stride, downsample: stride !== 1 || cin !== cout });
      cin = cout;
    }
  });
  return out;
}

export function declareBackbone(s: ParamSpecs, cfg: DetectorConfig): void {
  const l = LAYOUTS[cfg.preset];
  const zero = cfg.backboneNorm === 'gn' ? 0 : 1;
  if (l.stem === 'torchvision') {
    s.conv('backbone/stem/conv', 7, 3, 64, HE, null);
    declareNorm(s, cfg, 'backbone/stem/norm', 64);
  } else {
    s.conv('backbone/stem/conv', 3, 3, 16, HE, { kind: 'const', value: 0 });
    let cin = 16;
    l.widths.forEach((w, si) => {
      s.conv(`backbone/stage${si + 2}/down/conv`, 3, cin, w, HE, null);
      declareNorm(s, cfg, `backbone/stage${si + 2}/down/norm`, w);
      cin = w;
    });
  }
  for (const b of blocks(l)) {
    const p = `backbone/stage${b.stage}/block${b.index}`;
    if (l.block === 'basic') {
      s.conv(`${p}/conv1`, 3, b.cin, b.width, HE, null);
      declareNorm(s, cfg, `${p}/norm1`, b.width);
      s.conv(`${p}/conv2`, 3, b.width, b.width, HE, null);
      declareNorm(s, cfg, `${p}/norm2`, b.width, zero);
    } else {
      s.conv(`${p}/conv1`, 1, b.cin, b.width, HE, null);
      declareNorm(s, cfg, `${p}/norm1`, b.width);
      s.conv(`${p}/conv2`, 3, b.width, b.width, HE, null);
      declareNorm(s, cfg, `${p}/norm2`, b.width);
      s.conv(`${p}/conv3`, 1, b.width, b.width * 4, HE, null);
      declareNorm(s, cfg, `${p}/norm3`, b.width * 4, zero);
    }
    if (b.downsample) {
      s.conv(`${p}/downsample/conv`, 1, b.cin, b.width * expansion(l), HE, null);
      declareNorm(s, cfg, `${p}/downsample/norm`, b.width * expansion(l));
    }
  }
}

export function backboneForward(ctx: ForwardContext, cfg: DetectorConfig, images: Tensor): BackboneFeatures {
  const l = LAYOUTS[cfg.preset];
  let x: Tensor4D;
  if (l.stem === 'torchvision') {
    const c1 = norm(
      ctx,
      cfg,
      'backbone/stem/norm',
      conv(ctx, 'backbone/stem/conv', images, { stride: 2 }),
      true,
    );
    x = tf.maxPool(c1, 3, 2, 1); // [N, ⌈H/4⌉, ⌈W/4⌉, 64]
  } else {
    x = conv(ctx, 'backbone/stem/conv', images, { stride: 2, relu: true }); // [N, ⌈H/2⌉, ⌈W/2⌉, 16]
  }
  const outs: Tensor4D[] = [];
  const all = blocks(l);
  for (let stage = 2; stage <= 5; stage++) {
    if (l.stem === 'compact') {
      const p = `backbone/stage${stage}/down`;
      x = norm(ctx, cfg, `${p}/norm`, conv(ctx, `${p}/conv`, x, { stride: 2 }), true);
    }
    for (const b of all.filter((blk) => blk.stage === stage)) x = blockForward(ctx, cfg, l, b, x);
    if (stage >= 3) outs.push(x);
  }
  return { c3: outs[0]!, c4: outs[1]!, c5: outs[2]! };
}

function blockForward(
  ctx: ForwardContext,
  cfg: DetectorConfig,
  l: Layout,
  b: ReturnType<typeof blocks>[number],
  x: Tensor4D,
): Tensor4D {
  const p = `backbone/stage${b.stage}/block${b.index}`;
  let y: Tensor4D;
  if (l.block === 'basic') {
    y = norm(ctx, cfg, `${p}/norm1`, conv(ctx, `${p}/conv1`, x, { stride: b.stride }), true);
    y = norm(ctx, cfg, `${p}/norm2`, conv(ctx, `${p}/conv2`, y), false);
  } else {
    y = norm(ctx, cfg, `${p}/norm1`, conv(ctx, `${p}/conv1`, x), true);
    y = norm(ctx, cfg, `${p}/norm2`, conv(ctx, `${p}/conv2`, y, { stride: b.stride }), true);
    y = norm(ctx, cfg, `${p}/norm3`, conv(ctx, `${p}/conv3`, y), false);
  }
  const identity = b.downsample
    ? norm(
        ctx,
        cfg,
        `${p}/downsample/norm`,
        conv(ctx, `${p}/downsample/conv`, x, { stride: b.stride }),
        false,
      )
    : x;
  return tf.relu(tf.add(y, identity));
}

/** Whether a parameter is frozen: frozenStages = 1 freezes the stem and stage 2 (torchvision layer1), … */
export function isFrozen(name: string, frozenStages: number): boolean {
  if (frozenStages <= 0 || !name.startsWith('backbone/')) return false;
  if (name.startsWith('backbone/stem/')) return true;
  const m = /^backbone\/stage(\d)\//.exec(name);
  return m !== null && Number(m[1]) - 1 <= frozenStages;
}
