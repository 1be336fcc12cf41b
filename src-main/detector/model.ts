// A detector instance and what the trainer does with it: create, forward, loss, one SGD step,
// and weights as name → tensor maps for checkpoints.
import { levelStrides, type DetectorConfig } from './config';
import type { BatchTotals } from './batchTotals';
import type { ImageTargets } from './boxes';
import { dwLoss } from './dwLoss';
import { fcosLoss } from './fcosLoss';
import './gradientFixes';
import { networkForward, networkSpecs } from './network/network';
import { createParams, disposeParams, type DetectorParams } from './network/params';
import type { SgdMomentum } from './optimizer';
import type { DetectorOutputs } from './outputs';
import { pointGridForInput, type PointGrid } from './points';
import { tidy } from './tensorOps';
import { tf } from './tf';
import type { Scalar, Tensor, Tensor4D } from './tf';

export interface Detector {
  readonly cfg: DetectorConfig;
  readonly params: DetectorParams;
}

export function createDetector(cfg: DetectorConfig): Detector {
  return { cfg, params: createParams(networkSpecs(cfg), cfg.seed) };
}

export function disposeDetector(det: Detector): void {
  disposeParams(det.params);
}

/** Network outputs for `images` [B, H, W, 3] (normalised float32, H and W multiples of 32). */
export function forward(det: Detector, images: Tensor4D, flops?: { total: number }): DetectorOutputs {
  return networkForward({ params: det.params, flops }, det.cfg, images);
}

/** The point grid matching the outputs for an input of `height` × `width` (SPEC §1.3). */
export function pointsFor(cfg: DetectorConfig, height: number, width: number): PointGrid {
  return pointGridForInput(height, width, levelStrides(cfg));
}

export interface DetectorLoss {
  total: Scalar;
  /** dw: clsPos, loc, clsNeg; fcos: cls, bbox, ctr. */
  terms: Record<string, Scalar>;
}

/** The configured assigner's loss (SPEC §5 for DW, §8 for FCOS). */
export function lossFromOutputs(
  cfg: DetectorConfig,
  outputs: DetectorOutputs,
  points: PointGrid,
  targets: readonly ImageTargets[],
  totals?: BatchTotals,
): DetectorLoss {
  if (cfg.assigner === 'dw') {
    const { total, clsPos, loc, clsNeg } = dwLoss(outputs, points, targets, undefined, totals);
    return { total, terms: { clsPos, loc, clsNeg } };
  }
  const { total, cls, bbox, ctr } = fcosLoss(outputs, points, targets, undefined, totals);
  return { total, terms: { cls, bbox, ctr } };
}

/** The loss terms' names, in the order `StepResult.losses` lists them after the total. */
export function lossTermNames(cfg: Pick<DetectorConfig, 'assigner'>): string[] {
  return cfg.assigner === 'dw' ? ['clsPos', 'loc', 'clsNeg'] : ['cls', 'bbox', 'ctr'];
}

/**
 * Forward and loss for a batch; targets in the input's pixels. `totals` sums the normalisers over
 * the shares of a batch split across compute workers (BatchTotals).
 */
export function computeLoss(
  det: Detector,
  images: Tensor4D,
  targets: readonly ImageTargets[],
  totals?: BatchTotals,
): DetectorLoss {
  return tidy(() => {
    const [, H, W] = images.shape;
    return lossFromOutputs(det.cfg, forward(det, images), pointsFor(det.cfg, H, W), targets, totals);
  });
}

export interface StepResult {
  /** [1 + terms]: the total loss, then each term in `termNames` order. Read once, then dispose. */
  losses: Tensor;
  termNames: string[];
}

export interface Gradients extends StepResult {
  /** Gradient of every trainable parameter that has one, by parameter name. Dispose after use. */
  grads: Map<string, Tensor>;
}

/** Loss and the gradients of every trainable parameter; everything else it creates is released. */
export function lossAndGradients(
  det: Detector,
  images: Tensor4D,
  targets: readonly ImageTargets[],
  totals?: BatchTotals,
): Gradients {
  const trainable = [...det.params.values()].filter((p) => p.trainable);
  const byVariable = new Map(trainable.map((p) => [p.variable.name, p.name]));
  let losses: Tensor | null = null;
  const { value, grads } = tf.variableGrads(
    () => {
      const loss = computeLoss(det, images, targets, totals);
      // Kept: the gradient pass disposes everything its function made except the returned loss.
      losses = tf.keep(tf.stack([loss.total, ...Object.values(loss.terms)]));
      return loss.total;
    },
    trainable.map((p) => p.variable),
  );
  value.dispose();
  const named = new Map(Object.entries(grads).map(([v, g]) => [byVariable.get(v)!, g]));
  return { grads: named, losses: losses!, termNames: lossTermNames(det.cfg) };
}

/**
 * The SGD update at `lr` from `grads` (clipped to a global norm of `clipNorm` when given; SPEC §9
 * trains without). Leaves `grads` to the caller.
 */
export function applyGradients(
  det: Detector,
  optimizer: SgdMomentum,
  grads: ReadonlyMap<string, Tensor>,
  lr: number,
  clipNorm: number | null = null,
): void {
  tf.tidy(() => {
    optimizer.apply(clipNorm === null ? grads : clipByGlobalNorm(grads, clipNorm), det.params, lr);
  });
}

/**
 * One training step: loss, gradients of every trainable parameter, and the SGD update at `lr`.
 * Everything it creates is released except `losses`.
 */
export function trainStep(
  det: Detector,
  optimizer: SgdMomentum,
  images: Tensor4D,
  targets: readonly ImageTargets[],
  lr: number,
  /** Clip the global gradient norm to this (no clipping when null; SPEC §9 trains without). */
  clipNorm: number | null = null,
): StepResult {
  const { grads, losses, termNames } = lossAndGradients(det, images, targets);
  applyGradients(det, optimizer, grads, lr, clipNorm);
  tf.dispose([...grads.values()]);
  return { losses, termNames };
}

/** Every parameter (trainable or not) by name: the variables themselves, for tf.io.encodeWeights. */
export function exportWeights(det: Detector): Map<string, Tensor> {
  return new Map([...det.params].map(([name, p]) => [name, p.variable as Tensor]));
}

/**
 * Assigns weights by name (values are copied). Shapes must match. With `strict`, every parameter
 * must be present; otherwise missing ones keep their values. Unknown names are returned.
 */
export function importWeights(det: Detector, weights: ReadonlyMap<string, Tensor>, strict = true): string[] {
  const unknown: string[] = [];
  for (const [name, t] of weights) {
    const p = det.params.get(name);
    if (!p) {
      unknown.push(name);
      continue;
    }
    if (p.shape.join() !== t.shape.join())
      throw new Error(`${name}: shape [${t.shape}], expected [${p.shape}]`);
  }
  if (strict) {
    const missing = [...det.params.keys()].filter((n) => !weights.has(n));
    if (missing.length > 0) throw new Error(`weights lack ${missing.length} parameters, e.g. ${missing[0]}`);
  }
  for (const [name, t] of weights) det.params.get(name)?.variable.assign(t);
  return unknown;
}

/**
 * Gradients scaled so their global L2 norm is at most `maxNorm` (PyTorch's clip_grad_norm_), without
 * reading the norm back from the device. Call inside a tidy.
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, Tensor>, maxNorm: number): Map<string, Tensor> {
  const norm = tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  return new Map([...grads].map(([name, g]) => [name, tf.mul(g, scale)]));
}
