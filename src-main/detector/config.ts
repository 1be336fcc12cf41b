// What defines one detector: backbone preset, FPN levels, head, assigner and refinement. Plain data,
// stored with every checkpoint, so that a model can be rebuilt exactly.

export type BackbonePreset = 'small' | 'mobilenet_v2' | 'resnet18' | 'resnet50';
/** 'dw': DW assignment and loss (SPEC §2–§5); 'fcos': the mmdet FCOS baseline (SPEC §8). */
export type Assigner = 'dw' | 'fcos';
/**
 * 'gn': GroupNorm after every backbone conv (trains from scratch with batches of 1–4, and is the same
 * at training and test time). 'frozen-bn': BatchNorm in eval mode with stored statistics (SPEC §1.1),
 * for torchvision weights loaded with `importTorchvision`.
 */
export type BackboneNorm = 'gn' | 'frozen-bn';

export interface DetectorConfig {
  preset: BackbonePreset;
  numClasses: number;
  assigner: Assigner;
  /** DW's box refinement (SPEC §6): the paper's "+refine" arm. */
  refine: boolean;
  /** Side of the square (letterboxed, 32-padded) training input in pixels. */
  inputSize: number;
  /** FPN output levels, contiguous from 3: [3, 4, 5] … [3, 4, 5, 6, 7]; level l has stride 2^l. */
  levels: number[];
  fpnChannels: number;
  /** Convs per head tower (SPEC §1.2: 4). */
  headConvs: number;
  /** GroupNorm groups in the head towers (SPEC: 32; fewer for narrow heads). */
  headGnGroups: number;
  backboneNorm: BackboneNorm;
  backboneGnGroups: number;
  /**
   * Backbone stages excluded from training: 0 none, 1 the stem and the first stage (SPEC §1.1; for
   * mobilenet_v2 features.0–1, the layers at stride 2), k the stem and k stages (`isFrozen`).
   */
  frozenStages: number;
  /** Seed of the random initialisation. */
  seed: number;
}

type PresetDefaults = Omit<DetectorConfig, 'numClasses' | 'assigner' | 'refine' | 'seed' | 'preset'>;

/**
 * small:    a compact GN ResNet for CPUs (WebAssembly, one thread): 256–320 px, P3–P5, 64-channel
 *           FPN and two-conv towers; about 1.2 GFLOP per 256² image.
 * mobilenet_v2: torchvision MobileNetV2 (C3–C5 from features.6/.13/.17) for CPUs, meant to start from
 *           ImageNet weights: frozen BatchNorm, stem and first stage frozen; 320 px, the small FPN/head.
 * resnet18: torchvision ResNet-18 layout, 128-channel FPN, four-conv towers, P3–P7.
 * resnet50: torchvision ResNet-50 layout with the SPEC's FPN and head (256 channels, GN 32, P3–P7).
 */
export const PRESETS: Readonly<Record<BackbonePreset, Readonly<PresetDefaults>>> = Object.freeze({
  small: {
    inputSize: 256,
    levels: [3, 4, 5],
    fpnChannels: 64,
    headConvs: 2,
    headGnGroups: 16,
    backboneNorm: 'gn',
    backboneGnGroups: 8,
    frozenStages: 0,
  },
  mobilenet_v2: {
    inputSize: 320,
    levels: [3, 4, 5],
    fpnChannels: 64,
    headConvs: 2,
    headGnGroups: 16,
    backboneNorm: 'frozen-bn',
    backboneGnGroups: 8,
    frozenStages: 1,
  },
  resnet18: {
    inputSize: 512,
    levels: [3, 4, 5, 6, 7],
    fpnChannels: 128,
    headConvs: 4,
    headGnGroups: 32,
    backboneNorm: 'gn',
    backboneGnGroups: 32,
    frozenStages: 0,
  },
  resnet50: {
    inputSize: 800,
    levels: [3, 4, 5, 6, 7],
    fpnChannels: 256,
    headConvs: 4,
    headGnGroups: 32,
    backboneNorm: 'gn',
    backboneGnGroups: 32,
    frozenStages: 0,
  },
});

export type DetectorConfigInput = Partial<DetectorConfig> & Pick<DetectorConfig, 'numClasses'>;

/** A full config: the preset's defaults under the given fields, checked. */
export function detectorConfig(input: DetectorConfigInput): DetectorConfig {
  const preset = input.preset ?? 'small';
  const cfg: DetectorConfig = {
    preset,
    assigner: 'dw',
    refine: true,
    seed: 1,
    ...PRESETS[preset],
    ...input,
  };
  cfg.levels = [...cfg.levels];
  checkConfig(cfg);
  return cfg;
}

export function checkConfig(cfg: DetectorConfig): void {
  const fail = (why: string) => {
    throw new Error(`detector config: ${why}`);
  };
  if (!PRESETS[cfg.preset]) fail(`unknown preset '${cfg.preset}'`);
  if (!Number.isInteger(cfg.numClasses) || cfg.numClasses < 1) fail('numClasses must be a positive integer');
  const { levels } = cfg;
  if (levels[0] !== 3 || levels.length < 1 || levels.length > 5 || levels.some((l, i) => l !== 3 + i)) {
    fail(`levels must run from 3 up to at most 7 without gaps, got [${levels}]`);
  }
  if (cfg.inputSize % 32 !== 0 || cfg.inputSize < 32) fail('inputSize must be a positive multiple of 32');
  if (cfg.fpnChannels % cfg.headGnGroups !== 0) fail('fpnChannels must be divisible by headGnGroups');
  if (cfg.frozenStages < 0 || cfg.frozenStages > 5) fail('frozenStages must be in 0…5');
}

/** Strides of the FPN levels, finest first. */
export function levelStrides(cfg: Pick<DetectorConfig, 'levels'>): number[] {
  return cfg.levels.map((l) => 2 ** l);
}

/** Class prior and regression bias of the head (SPEC §1.2 DW init; §8 FCOS init). */
export function headInit(assigner: Assigner): { clsPrior: number; regBias: number } {
  return assigner === 'dw' ? { clsPrior: 0.02, regBias: 4 } : { clsPrior: 0.01, regBias: 0 };
}
