// The loader hook for user-provided ImageNet weights: a torchvision ResNet-18/50 state dict (read by
// the caller from any container, e.g. safetensors, as name → shape + float32 data) into the backbone
// of a 'resnet18' / 'resnet50' detector built with backboneNorm 'frozen-bn' (SPEC §1.1: BatchNorm in
// eval mode; add frozenStages: 1 for the reference setting). FPN and head keep their initialisation.
import type { Detector } from './model';
import { tf } from './tf';

export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

const BN_FIELDS: Record<string, string> = {
  weight: 'gamma',
  bias: 'beta',
  running_mean: 'mean',
  running_var: 'variance',
};

/** Our parameter name for a torchvision ResNet key, or null for keys without a counterpart (fc, counters). */
export function torchvisionName(key: string): string | null {
  const norm = (prefix: string, field: string) => (BN_FIELDS[field] ? `${prefix}/${BN_FIELDS[field]}` : null);
  if (key === 'conv1.weight') return 'backbone/stem/conv/kernel';
  let m = /^bn1\.(\w+)$/.exec(key);
  if (m) return norm('backbone/stem/norm', m[1]!);
  m = /^layer(\d)\.(\d+)\.(.+)$/.exec(key);
  if (!m) return null;
  const block = `backbone/stage${Number(m[1]) + 1}/block${m[2]}`;
  const rest = m[3]!;
  let r = /^conv(\d)\.weight$/.exec(rest);
  if (r) return `${block}/conv${r[1]}/kernel`;
  r = /^bn(\d)\.(\w+)$/.exec(rest);
  if (r) return norm(`${block}/norm${r[1]}`, r[2]!);
  if (rest === 'downsample.0.weight') return `${block}/downsample/conv/kernel`;
  r = /^downsample\.1\.(\w+)$/.exec(rest);
  if (r) return norm(`${block}/downsample/norm`, r[1]!);
  return null;
}

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

export interface ImportReport {
  loaded: string[];
  /** torchvision keys without a counterpart here (fc, num_batches_tracked). */
  ignored: string[];
  /** Our backbone parameters the state dict did not provide. */
  missing: string[];
}

export function importTorchvisionResNet(
  det: Detector,
  state: ReadonlyMap<string, StateTensor>,
): ImportReport {
  const { preset, backboneNorm } = det.cfg;
  if (preset === 'small')
    throw new Error("torchvision weights fit the 'resnet18' and 'resnet50' presets only");
  if (backboneNorm !== 'frozen-bn') throw new Error("torchvision weights need backboneNorm 'frozen-bn'");
  const report: ImportReport = { loaded: [], ignored: [], missing: [] };
  const values = new Map<string, StateTensor>();
  for (const [key, t] of state) {
    const name = torchvisionName(key);
    if (!name) {
      report.ignored.push(key);
      continue;
    }
    const p = det.params.get(name);
    if (!p) throw new Error(`${key} → ${name}: no such parameter in a ${preset} backbone`);
    const v = t.shape.length === 4 ? oihwToHwio(t) : t;
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
