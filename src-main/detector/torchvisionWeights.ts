// The loader for user-provided ImageNet weights: a torchvision ResNet-18/50 or MobileNetV2 state dict
// (read by the caller from any container, e.g. a .pth file, as name → shape + float32 data) into the
// backbone of a 'resnet18' / 'resnet50' / 'mobilenet_v2' detector built with backboneNorm 'frozen-bn'
// (SPEC §1.1: BatchNorm in eval mode; add frozenStages: 1 for the reference setting). FPN and head
// keep their initialisation.
import type { StateTensor } from '../shared/stateDict';
import type { BackbonePreset } from './config';
import type { Detector } from './model';
import { tf } from './tf';

export type { StateTensor };

const BN_FIELDS: Record<string, string> = {
  weight: 'gamma',
  bias: 'beta',
  running_mean: 'mean',
  running_var: 'variance',
};

const bnName = (prefix: string, field: string) => (BN_FIELDS[field] ? `${prefix}/${BN_FIELDS[field]}` : null);

/** Our parameter name for a torchvision ResNet key, or null for keys without a counterpart (fc, counters). */
export function torchvisionName(key: string): string | null {
  if (key === 'conv1.weight') return 'backbone/stem/conv/kernel';
  let m = /^bn1\.(\w+)$/.exec(key);
  if (m) return bnName('backbone/stem/norm', m[1]!);
  m = /^layer(\d)\.(\d+)\.(.+)$/.exec(key);
  if (!m) return null;
  const block = `backbone/stage${Number(m[1]) + 1}/block${m[2]}`;
  const rest = m[3]!;
  let r = /^conv(\d)\.weight$/.exec(rest);
  if (r) return `${block}/conv${r[1]}/kernel`;
  r = /^bn(\d)\.(\w+)$/.exec(rest);
  if (r) return bnName(`${block}/norm${r[1]}`, r[2]!);
  if (rest === 'downsample.0.weight') return `${block}/downsample/conv/kernel`;
  r = /^downsample\.1\.(\w+)$/.exec(rest);
  if (r) return bnName(`${block}/downsample/norm`, r[1]!);
  return null;
}

/** A torchvision [conv, bn] pair (Conv2dNormActivation): sub-module '0' the conv, '1' the BatchNorm. */
const pairName = (prefix: string, sub: string, field: string) =>
  sub === '0' ? (field === 'weight' ? `${prefix}/conv/kernel` : null) : bnName(`${prefix}/norm`, field);

/**
 * Our parameter name for a torchvision MobileNetV2 key, or null (features.18, classifier, counters).
 * features.0 is a [conv, bn] pair; features.i.conv holds [expand conv, bn] (absent in features.1,
 * where t = 1), [depthwise conv, bn], then the linear projection as two entries: conv, bn.
 */
export function torchvisionMobileNetV2Name(key: string): string | null {
  let m = /^features\.0\.([01])\.(\w+)$/.exec(key);
  if (m) return pairName('backbone/stem', m[1]!, m[2]!);
  m = /^features\.(\d+)\.conv\.(\d)(?:\.([01]))?\.(\w+)$/.exec(key);
  const i = Number(m?.[1]);
  if (!m || i < 1 || i > 17) return null;
  const p = `backbone/features${i}`;
  const pairs = i === 1 ? ['dw'] : ['expand', 'dw'];
  const [index, sub, field] = [Number(m[2]), m[3], m[4]!];
  if (sub !== undefined) return index < pairs.length ? pairName(`${p}/${pairs[index]}`, sub, field) : null;
  if (index === pairs.length) return field === 'weight' ? `${p}/project/conv/kernel` : null;
  return index === pairs.length + 1 ? bnName(`${p}/project/norm`, field) : null;
}

const NAMERS: Partial<Record<BackbonePreset, (key: string) => string | null>> = {
  resnet18: torchvisionName,
  resnet50: torchvisionName,
  mobilenet_v2: torchvisionMobileNetV2Name,
};

/** PyTorch conv weights [out, in, kh, kw] → tfjs [kh, kw, in, out]. */
export function oihwToHwio(t: StateTensor): StateTensor {
  const [O, I, H, W] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++)
          out[((h * W + w) * I + i) * O + o] = t.data[((o * I + i) * H + h) * W + w]!;
  return { shape: [H, W, I, O], data: out };
}

/** PyTorch depthwise weights [C·M, 1, kh, kw] (groups = C) → tfjs [kh, kw, C, M]. */
export function depthwiseToHwcm(t: StateTensor, channels: number): StateTensor {
  if (t.shape.length !== 4 || t.shape[1] !== 1)
    throw new Error(`a depthwise kernel is [channels, 1, kh, kw], not [${t.shape}]`);
  const [CM, , H, W] = t.shape as [number, number, number, number];
  const M = CM / channels;
  const out = new Float32Array(t.data.length);
  // Output channel c·M + m of PyTorch's grouped conv is filter m of input channel c, as in tfjs.
  for (let o = 0; o < CM; o++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) out[(h * W + w) * CM + o] = t.data[(o * H + h) * W + w]!;
  return { shape: [H, W, channels, M], data: out };
}

export interface ImportReport {
  loaded: string[];
  /** torchvision keys without a counterpart here (fc / classifier, features.18, num_batches_tracked). */
  ignored: string[];
  /** Our backbone parameters the state dict did not provide. */
  missing: string[];
}

/** Loads a torchvision state dict into the backbone of `det`, by its preset. */
export function importTorchvision(det: Detector, state: ReadonlyMap<string, StateTensor>): ImportReport {
  const { preset, backboneNorm } = det.cfg;
  const namer = NAMERS[preset];
  if (!namer) throw new Error(`no torchvision weights fit the '${preset}' preset`);
  if (backboneNorm !== 'frozen-bn') throw new Error("torchvision weights need backboneNorm 'frozen-bn'");
  const report: ImportReport = { loaded: [], ignored: [], missing: [] };
  const values = new Map<string, StateTensor>();
  for (const [key, t] of state) {
    const name = namer(key);
    if (!name) {
      report.ignored.push(key);
      continue;
    }
    const p = det.params.get(name);
    if (!p) throw new Error(`${key} → ${name}: no such parameter in a ${preset} backbone`);
    let v = t;
    if (name.endsWith('/dw/conv/kernel')) v = depthwiseToHwcm(t, p.shape[2]!);
    else if (t.shape.length === 4) v = oihwToHwio(t);
    if (v.shape.join() !== p.shape.join())
      throw new Error(`${key}: shape [${t.shape}] does not fit ${name} [${p.shape}]`);
    values.set(name, v);
  }
  for (const [name, p] of det.params) {
    if (!name.startsWith('backbone/')) continue;
    const v = values.get(name);
    if (!v) {
      report.missing.push(name);
      continue;
    }
    tf.tidy(() => p.variable.assign(tf.tensor(v.data, v.shape)));
    report.loaded.push(name);
  }
  return report;
}

/** The ResNet-only name this loader had before MobileNetV2; it now takes every pretrained preset. */
export const importTorchvisionResNet = importTorchvision;
