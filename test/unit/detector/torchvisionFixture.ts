// test/fixtures/pretrained/torchvision-features.json (scripts/dev/torchvisionReference.py): torchvision's
// C3–C5 for synthetic weights, and those weights rebuilt here bit for bit from the same formula.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateTensor } from '../../../src-main/shared/stateDict';

export interface FeatureSummary {
  /** NCHW. */
  shape: [number, number, number, number];
  sum: number;
  sumSq: number;
  sumAbs: number;
  /** [flat NCHW index, value]. */
  samples: [number, number][];
}

export interface Formula {
  gain: number;
  gammaSpread: number;
  betaSpread: number;
  meanSpread: number;
  varCenter: number;
  varSpread: number;
  inputKey: number;
  inputScale: number;
}

export interface ReferenceModel {
  /** The state dict's keys and shapes, in order. */
  stateDict: [string, number[]][];
  /** NCHW. */
  input: [number, number, number, number];
  features: Record<'c3' | 'c4' | 'c5', FeatureSummary>;
}

export interface Reference {
  formula: Formula;
  models: Record<'resnet18' | 'resnet50' | 'mobilenet_v2', ReferenceModel>;
}

let cached: Reference | undefined;
export function reference(): Reference {
  cached ??= JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../fixtures/pretrained/torchvision-features.json', import.meta.url)),
      'utf8',
    ),
  ) as Reference;
  return cached;
}

/** u ∈ [−1, 1) for elements 0…n−1 of key k: murmur3's fmix32 of j·0x9E3779B1 + k·0x85EBCA77 + 0x165667B1. */
export function uniform(k: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const base = (Math.imul(k, 0x85ebca77) + 0x165667b1) | 0;
  for (let j = 0; j < n; j++) {
    let h = (Math.imul(j, 0x9e3779b1) + base) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[j] = (h >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** The float32 values of state-dict entry `key`, the k-th in order (float64 formula, rounded once). */
export function formulaValues(f: Formula, key: string, k: number, shape: number[]): Float32Array {
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  // value = offset + scale · u
  let [offset, scale] = [0, f.betaSpread];
  if (key.endsWith('running_var')) [offset, scale] = [f.varCenter, f.varSpread];
  else if (key.endsWith('running_mean')) scale = f.meanSpread;
  else if (shape.length >= 2) scale = f.gain / Math.sqrt(size(shape.slice(1)));
  else if (key.endsWith('weight')) [offset, scale] = [1, f.gammaSpread];
  const u = uniform(k, size(shape));
  const out = new Float32Array(u.length);
  for (let j = 0; j < u.length; j++) out[j] = offset + scale * u[j]!;
  return out;
}

/** The state dict the reference was computed with (num_batches_tracked left out: nothing reads it). */
export function formulaState(model: ReferenceModel, f = reference().formula): Map<string, StateTensor> {
  const state = new Map<string, StateTensor>();
  model.stateDict.forEach(([key, shape], k) => {
    if (!key.endsWith('num_batches_tracked'))
      state.set(key, { shape, data: formulaValues(f, key, k, shape) });
  });
  return state;
}

/** The reference input, NHWC, with its NCHW shape. */
export function formulaInput(model: ReferenceModel, f = reference().formula): Float32Array {
  const [, c, h, w] = model.input;
  const u = uniform(f.inputKey, c * h * w);
  const out = new Float32Array(u.length);
  for (let ci = 0; ci < c; ci++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(y * w + x) * c + ci] = u[(ci * h + y) * w + x]! * f.inputScale;
  return out;
}
