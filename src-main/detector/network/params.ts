// The network's parameters: tf.Variables keyed by stable path-like names
// ('backbone/stage2/block0/conv1/kernel'), plus what the optimizer needs to know about each.
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { mulberry32 } from '../../shared/prng';

/**
 * kernel: conv weights (weight decay applies); bias; norm: GN/BN γ and β (no weight decay,
 * SPEC §9.1 norm_decay_mult=0); scale: the per-level Scale; stat: BN running statistics (never trained).
 */
export type ParamRole = 'kernel' | 'bias' | 'norm' | 'scale' | 'stat';

export type Init =
  | { kind: 'normal'; std: number }
  /** Kaiming normal, fan-out kh·kw·cout (depthwise [k, k, C, M]: k·k·M), for ReLU (torchvision ResNet). */
  | { kind: 'heFanOut' }
  /** Xavier uniform (mmdet FPN). */
  | { kind: 'xavierUniform' }
  | { kind: 'const'; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  role: ParamRole;
  trainable: boolean;
}

export interface Param extends ParamSpec {
  variable: tf.Variable;
}

export type DetectorParams = Map<string, Param>;

/** Collects parameter specs while a network is described; names must be unique. */
export class ParamSpecs {
  readonly list: ParamSpec[] = [];
  private readonly names = new Set<string>();

  add(name: string, shape: number[], init: Init, role: ParamRole, trainable = role !== 'stat'): void {
    if (this.names.has(name)) throw new Error(`duplicate parameter ${name}`);
    this.names.add(name);
    this.list.push({ name, shape, init, role, trainable });
  }

  /** A conv kernel [kh, kw, cin, cout] and optionally its bias. */
  conv(prefix: string, k: number, cin: number, cout: number, init: Init, bias: Init | null): void {
    this.add(`${prefix}/kernel`, [k, k, cin, cout], init, 'kernel');
    if (bias) this.add(`${prefix}/bias`, [cout], bias, 'bias');
  }

  /** A depthwise conv kernel [kh, kw, channels, 1] (PyTorch [channels, 1, kh, kw], groups = channels). */
  depthwiseConv(prefix: string, k: number, channels: number, init: Init): void {
    this.add(`${prefix}/kernel`, [k, k, channels, 1], init, 'kernel');
  }

  /** GroupNorm γ (1, or 0 to start a residual branch at zero) and β (0). */
  groupNorm(prefix: string, channels: number, gamma = 1): void {
    this.add(`${prefix}/gamma`, [channels], { kind: 'const', value: gamma }, 'norm');
    this.add(`${prefix}/beta`, [channels], { kind: 'const', value: 0 }, 'norm');
  }

  /** Eval-mode BatchNorm: affine γ/β (trainable) and running statistics (fixed). */
  frozenBatchNorm(prefix: string, channels: number): void {
    this.groupNorm(prefix, channels);
    this.add(`${prefix}/mean`, [channels], { kind: 'const', value: 0 }, 'stat');
    this.add(`${prefix}/variance`, [channels], { kind: 'const', value: 1 }, 'stat');
  }
}

/** Initial values of one parameter, drawn from `rand` (same seed → same network on every backend). */
export function initialValues(spec: ParamSpec, rand: () => number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const { init } = spec;
  if (init.kind === 'const') return out.fill(init.value);
  const [kh = 1, kw = 1, cin = 1, cout = 1] = spec.shape;
  if (init.kind === 'xavierUniform') {
    const bound = Math.sqrt(6 / (kh * kw * (cin + cout)));
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * bound;
    return out;
  }
  const std = init.kind === 'normal' ? init.std : Math.sqrt(2 / (kh * kw * cout));
  for (let i = 0; i < n; i += 2) {
    // Box–Muller: two normals per two uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    out[i] = r * Math.cos(theta) * std;
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta) * std;
  }
  return out;
}

/** Variables for every spec, initialised from `seed`. */
export function createParams(specs: readonly ParamSpec[], seed: number): DetectorParams {
  const rand = mulberry32(seed);
  const params: DetectorParams = new Map();
  for (const spec of specs) {
    const value = tf.tensor(initialValues(spec, rand), spec.shape, 'float32');
    params.set(spec.name, {
      ...spec,
      variable: tf.variable(value, spec.trainable, uniqueVariableName(spec.name)),
    });
    value.dispose();
  }
  return params;
}

// tfjs variable names are process-wide; two models (a trainer and an evaluator) must not collide.
let instance = 0;
function uniqueVariableName(name: string): string {
  return `dw${instance++}/${name}`;
}

export function disposeParams(params: DetectorParams): void {
  for (const p of params.values()) p.variable.dispose();
  params.clear();
}

/** The value of a named parameter (for forward passes). */
export function param(params: DetectorParams, name: string): Tensor {
  const p = params.get(name);
  if (!p) throw new Error(`no parameter ${name}`);
  return p.variable;
}
