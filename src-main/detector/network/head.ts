// The shared dense head (SPEC §1.2): a cls tower and a reg tower of N × [3×3 conv with bias → GN →
// ReLU], conv_cls on the cls tower, conv_reg / conv_centerness (and reg_offset when refining) on the
// reg tower, and a learnable Scale per level. Coarse distances d = ReLU(Scale_l · conv_reg) · s_l in
// pixels; with refinement the refined distances (SPEC §6) replace them as the only box output.
import { headInit, levelStrides, type DetectorConfig } from '../config';
import type { DetectorOutputs } from '../outputs';
import { refineLtrb } from '../refine';
import { tf } from '../tf';
import type { Tensor, Tensor4D } from '../tf';
import { conv, groupNorm, type ForwardContext } from './layers';
import { param, type ParamSpecs } from './params';

const STD = { kind: 'normal', std: 0.01 } as const;
const bias = (value: number) => ({ kind: 'const', value }) as const;

export function declareHead(s: ParamSpecs, cfg: DetectorConfig): void {
  const F = cfg.fpnChannels;
  const { clsPrior, regBias } = headInit(cfg.assigner);
  for (const tower of ['cls', 'reg']) {
    for (let i = 0; i < cfg.headConvs; i++) {
      s.conv(`head/${tower}_tower/${i}/conv`, 3, F, F, STD, bias(0));
      s.groupNorm(`head/${tower}_tower/${i}/gn`, F);
    }
  }
  s.conv('head/conv_cls', 3, F, cfg.numClasses, STD, bias(-Math.log((1 - clsPrior) / clsPrior)));
  s.conv('head/conv_reg', 3, F, 4, STD, bias(regBias));
  s.conv('head/conv_centerness', 3, F, 1, STD, bias(0));
  if (cfg.refine) s.conv('head/reg_offset', 3, F, 8, STD, bias(0));
  cfg.levels.forEach((_, i) => s.add(`head/scale/${i}`, [], { kind: 'const', value: 1 }, 'scale'));
}

function tower(ctx: ForwardContext, cfg: DetectorConfig, name: 'cls' | 'reg', x: Tensor4D): Tensor4D {
  let y = x;
  for (let i = 0; i < cfg.headConvs; i++) {
    const p = `head/${name}_tower/${i}`;
    y = groupNorm(ctx, `${p}/gn`, conv(ctx, `${p}/conv`, y), cfg.headGnGroups, true);
  }
  return y;
}

/** Head outputs for every level, flattened level-major and row-major (SPEC §1.3). */
export function headForward(
  ctx: ForwardContext,
  cfg: DetectorConfig,
  pyramid: readonly Tensor4D[],
): DetectorOutputs {
  const strides = levelStrides(cfg);
  const cls: Tensor[] = [];
  const ctr: Tensor[] = [];
  const ltrb: Tensor[] = [];
  pyramid.forEach((x, l) => {
    const [B, H, W] = x.shape;
    const stride = strides[l]!;
    const clsFeat = tower(ctx, cfg, 'cls', x);
    const regFeat = tower(ctx, cfg, 'reg', x);
    cls.push(tf.reshape(conv(ctx, 'head/conv_cls', clsFeat), [B, H * W, cfg.numClasses])); // [B,HW,C]
    ctr.push(tf.reshape(conv(ctx, 'head/conv_centerness', regFeat), [B, H * W])); // [B,HW]
    const raw = conv(ctx, 'head/conv_reg', regFeat); // [B,H,W,4]
    let d = tf.mul(tf.relu(tf.mul(raw, param(ctx.params, `head/scale/${l}`))), stride); // pixels
    if (cfg.refine) d = refineLtrb(d, conv(ctx, 'head/reg_offset', regFeat), stride); // SPEC §6
    ltrb.push(tf.reshape(d, [B, H * W, 4])); // [B,HW,4]
  });
  return { clsLogits: tf.concat(cls, 1), ctrLogits: tf.concat(ctr, 1), ltrb: tf.concat(ltrb, 1) };
}
