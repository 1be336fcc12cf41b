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
//
// mobilenet_v2: torchvision's MobileNetV2 (width 1.0) up to features.17, for CPUs with ImageNet
// weights: features.0 = 3×3/2 conv to 32 channels + norm + ReLU6, then the inverted residual blocks
// features.1…17 of the settings below (1×1 expand + norm + ReLU6 when t ≠ 1, 3×3 depthwise with the
// group's stride on its first block + norm + ReLU6, 1×1 linear projection + norm; identity added when
// stride 1 and cin = cout). All convs bias-free; features.18 (1×1 to 1280) and the classifier are
// left out. C3, C4, C5 are the outputs of features.6, .13 and .17 (32, 96, 320 channels).
import type { DetectorConfig } from '../config';
import { tf } from '../tf';
import type { Tensor, Tensor4D } from '../tf';
import { conv, depthwiseConv, frozenBatchNorm, groupNorm, type ForwardContext } from './layers';
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

type ResNetPreset = Exclude<DetectorConfig['preset'], 'mobilenet_v2'>;

const LAYOUTS: Record<ResNetPreset, Layout> = {
  small: { block: 'basic', depths: [1, 1, 1, 1], widths: [32, 64, 128, 160], stem: 'compact' },
  resnet18: { block: 'basic', depths: [2, 2, 2, 2], widths: [64, 128, 256, 512], stem: 'torchvision' },
  resnet50: { block: 'bottleneck', depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: 'torchvision' },
};

/** torchvision's inverted residual settings (t expansion, c channels, n blocks, s stride of the first). */
const MOBILENET_V2_SETTINGS: readonly [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** One MobileNetV2 block, features.{index}; its stage s is that of its output stride 2^s. */
interface InvertedResidual {
  index: number;
  cin: number;
  /** cin · t: the expanded width of the depthwise conv. */
  hidden: number;
  cout: number;
  stride: number;
  stage: number;
  residual: boolean;
}

/** features.1…17 (features.0, the stem, is at stage 1). */
const INVERTED: readonly InvertedResidual[] = (() => {
  const out: InvertedResidual[] = [];
  let [cin, stage] = [32, 1];
  for (const [t, c, n, s] of MOBILENET_V2_SETTINGS) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      if (stride === 2) stage++;
      out.push({
        index: out.length + 1,
        cin,
        hidden: cin * t,
        cout: c,
        stride,
        stage,
        residual: stride === 1 && cin === c,
      });
      cin = c;
    }
  }
  return out;
})();

const expansion = (l: Layout) => (l.block === 'bottleneck' ? 4 : 1);

/** Channels of C3, C4, C5. */
export function backboneChannels(cfg: DetectorConfig): [number, number, number] {
  if (cfg.preset === 'mobilenet_v2') {
    const [c3, c4, c5] = [3, 4, 5].map((stage) => INVERTED.findLast((b) => b.stage === stage)!.cout);
    return [c3!, c4!, c5!];
  }
  const l = LAYOUTS[cfg.preset];
  const e = expansion(l);
  return [l.widths[1]! * e, l.widths[2]! * e, l.widths[3]! * e];
}

function declareNorm(s: ParamSpecs, cfg: DetectorConfig, prefix: string, channels: number, gamma = 1): void {
  if (cfg.backboneNorm === 'frozen-bn') return s.frozenBatchNorm(prefix, channels);
  if (channels % Math.min(cfg.backboneGnGroups, channels) !== 0)
    throw new Error(`${prefix}: ${channels} channels do not split into ${cfg.backboneGnGroups} groups`);
  s.groupNorm(prefix, channels, gamma);
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
  if (cfg.preset === 'mobilenet_v2') return declareMobileNetV2(s, cfg);
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
  if (cfg.preset === 'mobilenet_v2') return mobileNetV2Forward(ctx, cfg, images);
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

function declareMobileNetV2(s: ParamSpecs, cfg: DetectorConfig): void {
  const zero = cfg.backboneNorm === 'gn' ? 0 : 1;
  s.conv('backbone/stem/conv', 3, 3, 32, HE, null);
  declareNorm(s, cfg, 'backbone/stem/norm', 32);
  for (const b of INVERTED) {
    const p = `backbone/features${b.index}`;
    if (b.hidden !== b.cin) {
      s.conv(`${p}/expand/conv`, 1, b.cin, b.hidden, HE, null);
      declareNorm(s, cfg, `${p}/expand/norm`, b.hidden);
    }
    s.depthwiseConv(`${p}/dw/conv`, 3, b.hidden, HE);
    declareNorm(s, cfg, `${p}/dw/norm`, b.hidden);
    s.conv(`${p}/project/conv`, 1, b.hidden, b.cout, HE, null);
    // With GN, residual blocks start as the identity, as the ResNets do.
    declareNorm(s, cfg, `${p}/project/norm`, b.cout, b.residual ? zero : 1);
  }
}

function mobileNetV2Forward(ctx: ForwardContext, cfg: DetectorConfig, images: Tensor): BackboneFeatures {
  let x = tf.relu6(
    norm(ctx, cfg, 'backbone/stem/norm', conv(ctx, 'backbone/stem/conv', images, { stride: 2 }), false),
  );
  const outs: Tensor4D[] = [];
  for (const b of INVERTED) {
    const p = `backbone/features${b.index}`;
    let y = x;
    if (b.hidden !== b.cin)
      y = tf.relu6(norm(ctx, cfg, `${p}/expand/norm`, conv(ctx, `${p}/expand/conv`, y), false));
    y = tf.relu6(norm(ctx, cfg, `${p}/dw/norm`, depthwiseConv(ctx, `${p}/dw/conv`, y, b.stride), false));
    y = norm(ctx, cfg, `${p}/project/norm`, conv(ctx, `${p}/project/conv`, y), false);
    x = b.residual ? tf.add(x, y) : y;
    // C_s is the output of the last block at stride 2^s (INVERTED[b.index] is the next block).
    if (b.stage >= 3 && INVERTED[b.index]?.stage !== b.stage) outs.push(x);
  }
  return { c3: outs[0]!, c4: outs[1]!, c5: outs[2]! };
}

/**
 * Whether a parameter is frozen: frozenStages = k freezes the stem and the first k stages. ResNets:
 * stage 2 (torchvision layer1) … stage k + 1. MobileNetV2: every block up to stride 2^k, so 1 freezes
 * features.0 and .1, 2 adds features.2–3, 3 features.4–6 (as mmdet's frozen_stages), 4 features.7–13.
 */
export function isFrozen(name: string, frozenStages: number): boolean {
  if (frozenStages <= 0 || !name.startsWith('backbone/')) return false;
  if (name.startsWith('backbone/stem/')) return true;
  const features = /^backbone\/features(\d+)\//.exec(name);
  if (features) return INVERTED[Number(features[1]) - 1]!.stage <= frozenStages;
  const m = /^backbone\/stage(\d)\//.exec(name);
  return m !== null && Number(m[1]) - 1 <= frozenStages;
}
