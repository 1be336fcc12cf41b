// FPN (SPEC §1.1, mmdet: start_level 1, add_extra_convs 'on_output', relu_before_extra_convs):
// lateral 1×1 convs on C3–C5, top-down sums with nearest upsampling to the exact finer size, a 3×3
// conv on each sum (P3–P5), P6 = 3×3/2 conv on the P5 output, P7 = 3×3/2 conv on ReLU(P6). All
// convs have a bias; Xavier-uniform init, bias 0. Only the configured levels are produced.
import type { DetectorConfig } from '../config';
import { tf } from '../tf';
import type { Tensor4D } from '../tf';
import type { BackboneFeatures } from './backbone';
import { conv, upsampleTo, type ForwardContext } from './layers';
import type { ParamSpecs } from './params';

const XAVIER = { kind: 'xavierUniform' } as const;
const ZERO = { kind: 'const', value: 0 } as const;

export function declareFpn(s: ParamSpecs, cfg: DetectorConfig, inChannels: [number, number, number]): void {
  const F = cfg.fpnChannels;
  const top = Math.max(...cfg.levels);
  inChannels.forEach((cin, i) => s.conv(`fpn/lateral${i + 3}`, 1, cin, F, XAVIER, ZERO));
  for (let l = 3; l <= Math.min(top, 5); l++) s.conv(`fpn/output${l}`, 3, F, F, XAVIER, ZERO);
  if (top >= 6) s.conv('fpn/p6', 3, F, F, XAVIER, ZERO);
  if (top >= 7) s.conv('fpn/p7', 3, F, F, XAVIER, ZERO);
}

/** The pyramid, finest level first: one [N, ⌈H/2^l⌉, ⌈W/2^l⌉, F] map per configured level. */
export function fpnForward(ctx: ForwardContext, cfg: DetectorConfig, c: BackboneFeatures): Tensor4D[] {
  const top = Math.max(...cfg.levels);
  const lat5 = conv(ctx, 'fpn/lateral5', c.c5);
  const lat4 = tf.add(conv(ctx, 'fpn/lateral4', c.c4), upsampleTo(lat5, c.c4)) as Tensor4D;
  const lat3 = tf.add(conv(ctx, 'fpn/lateral3', c.c3), upsampleTo(lat4, c.c3)) as Tensor4D;
  const merged = [lat3, lat4, lat5];
  const out: Tensor4D[] = [];
  for (let l = 3; l <= Math.min(top, 5); l++) out.push(conv(ctx, `fpn/output${l}`, merged[l - 3]!));
  if (top >= 6) out.push(conv(ctx, 'fpn/p6', out[2]!, { stride: 2 }));
  if (top >= 7) out.push(conv(ctx, 'fpn/p7', tf.relu(out[3]!), { stride: 2 }));
  return out;
}
