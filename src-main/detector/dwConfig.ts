// Hyperparameters of the DW assignment and loss, the FCOS baseline, and inference (SPEC §9, §10.12).
// Plain data: the training code may override any field; the defaults are the released configs.

/** float32 machine epsilon, which mmdet adds to every loss average factor (SPEC §8). */
export const F32_EPS = 1.1920928955078125e-7;

/** DW (SPEC §2–§5, §9.1). */
export interface DwHyper {
  /** Regression-quality sharpness: p_loc = exp(−β·L_GIoU), and loss_loc uses β·L_GIoU (§3.1, §5). */
  beta: number;
  /** Positive-weight exponent in the numerator, exp(μ_num·t)·t (§3.2). */
  muNum: number;
  /** Positive-weight exponent in the per-GT denominator (§3.2). */
  muDen: number;
  /** Exponent of the IoU in the negative curve, γ1 (§4.2). */
  gamma1: number;
  /** Exponent of the score in the negative weight, I_neg = s^γ2 (§4.2). */
  gamma2: number;
  /** Centre prior σ in stride units; mean 0 (§2.2). */
  priorSigma: number;
  /** `true`: Gaussian prior (reference); `false`: the hard ablation cp = [cp_raw > threshold] (§2.4). */
  softPrior: boolean;
  /** Threshold of the hard prior (0.3 ⇔ 1.7224 strides). */
  hardPriorThreshold: number;
  /** Factor on both positive terms, not in the paper (§5). */
  posScale: number;
  /** Clamp of the positive-weight denominator and of the P_neg min-max rescaling (§10.12). */
  weightEps: number;
  /** Union / enclosing-area clamp of IoU and GIoU (§5.4). */
  iouEps: number;
  /** Upper bound of −ln p and −ln(1−p), as torch clamps the log at −100 (§5). */
  bceMax: number;
}

export const DW_HYPER: Readonly<DwHyper> = Object.freeze({
  beta: 5,
  muNum: 5,
  muDen: 3,
  gamma1: 2,
  gamma2: 2,
  priorSigma: 1.11,
  softPrior: true,
  hardPriorThreshold: 0.3,
  posScale: 0.25,
  weightEps: 1e-12,
  iouEps: 1e-6,
  bceMax: 100,
});

/** FCOS baseline, mmdet 2.25.3 `fcos_center-normbbox-centeronreg-giou` (SPEC §8). */
export interface FcosHyper {
  /** Centre-sampling radius in strides. */
  centerRadius: number;
  /** Inclusive [lo, hi] of max(l, t, r, b) per FPN level; one range per level. */
  regressRanges: ReadonlyArray<readonly [number, number]>;
  focalAlpha: number;
  focalGamma: number;
  iouEps: number;
  /** Floor of the centerness-weight sum that normalises the box loss. */
  ctrWeightFloor: number;
}

/** The sentinel mmdet uses as the last upper bound ("infinity"). */
export const FCOS_INF = 1e8;

/**
 * mmdet's regress ranges for the given strides: (−1, 8s₀), (8s₀, 8s₁), …, (8s_{L−2}, 1e8). For strides
 * 8…128 this is (−1, 64), (64, 128), (128, 256), (256, 512), (512, 1e8); for 8, 16, 32 it is the 3-level
 * truncation the test vectors use, (−1, 64), (64, 128), (128, 1e8).
 */
export function regressRangesForStrides(strides: readonly number[]): Array<[number, number]> {
  return strides.map((s, l): [number, number] => [
    l === 0 ? -1 : 8 * (strides[l - 1] as number),
    l === strides.length - 1 ? FCOS_INF : 8 * s,
  ]);
}

export function fcosHyperForStrides(strides: readonly number[]): FcosHyper {
  return {
    centerRadius: 1.5,
    regressRanges: regressRangesForStrides(strides),
    focalAlpha: 0.25,
    focalGamma: 2,
    iouEps: 1e-6,
    ctrWeightFloor: 1e-6,
  };
}

// Test-time filtering lives with the network-input rule: an exported model's settings state it too.
export { INFERENCE_HYPER, type InferenceHyper } from '../shared/inference';

/** The bias that makes σ(bias) equal a prior probability: −ln((1−p)/p). */
export function priorLogit(p: number): number {
  return -Math.log((1 - p) / p);
}

/** Head initialisation that differs between the two assignments (SPEC §1.2, §8, §10.16). */
export const HEAD_INIT = Object.freeze({
  dw: Object.freeze({ clsPrior: 0.02, regBias: 4.0 }),
  fcos: Object.freeze({ clsPrior: 0.01, regBias: 0 }),
});
