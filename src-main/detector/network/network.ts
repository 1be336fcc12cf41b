// The whole network: backbone → FPN → shared head, as parameter specs and a forward pass.
import type { DetectorConfig } from '../config';
import type { DetectorOutputs } from '../outputs';
import { tidy } from '../tensorOps';
import type { Tensor } from '../tf';
import { backboneChannels, backboneForward, declareBackbone, isFrozen } from './backbone';
import { fpnForward, declareFpn } from './fpn';
import { declareHead, headForward } from './head';
import type { ForwardContext } from './layers';
import { ParamSpecs, type ParamSpec } from './params';

/** Every parameter of the network described by `cfg`, in a stable order. */
export function networkSpecs(cfg: DetectorConfig): ParamSpec[] {
  const s = new ParamSpecs();
  declareBackbone(s, cfg);
  declareFpn(s, cfg, backboneChannels(cfg));
  declareHead(s, cfg);
  return s.list.map((p) =>
    p.trainable && isFrozen(p.name, cfg.frozenStages) ? { ...p, trainable: false } : p,
  );
}

/**
 * images: [B, H, W, 3] float32, normalised, H and W multiples of 32 (2^maxLevel for P6/P7 sizes to
 * halve evenly is not required: every level is ⌈H/stride⌉). Outputs per DetectorOutputs.
 */
export function networkForward(ctx: ForwardContext, cfg: DetectorConfig, images: Tensor): DetectorOutputs {
  if (images.rank !== 4 || images.shape[3] !== 3)
    throw new Error(`images must be [B, H, W, 3], got [${images.shape}]`);
  return tidy(() => headForward(ctx, cfg, fpnForward(ctx, cfg, backboneForward(ctx, cfg, images))));
}
