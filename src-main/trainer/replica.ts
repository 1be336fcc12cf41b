// One copy of the detector and its optimizer, and everything a job does with it: a training step on
// a share of the batch, detection, checkpoints, inspection. It runs in a compute worker (one per
// core, WebAssembly) or in the trainer process itself (TensorFlow backends, which thread themselves),
// behind the same requests (`ReplicaRequest`), so the training loop never knows which.
import type { DetectorConfig } from '../detector/config';
import type { ImageTargets } from '../detector/boxes';
import { inspectAssignment, type AssignmentInspection } from '../detector/inspect';
import {
  applyGradients,
  createDetector,
  disposeDetector,
  forward,
  lossAndGradients,
  lossTermNames,
  pointsFor,
  type Detector,
} from '../detector/model';
import { networkSpecs } from '../detector/network/network';
import { SgdMomentum, type SgdOptions } from '../detector/optimizer';
import { detectBatch, type ImageFrame } from '../detector/postprocess';
import { tidy } from '../detector/tensorOps';
import { tf } from '../detector/tf';
import type { Tensor, Tensor4D } from '../detector/tf';
import { importTorchvision } from '../detector/torchvisionWeights';
import type { StateTensor } from '../shared/stateDict';
import type { Collective, GradientLayout } from './collective';
import { decodeState, encodeState, type EncodedWeights } from './weightsIo';
import type { Detection } from '../training/protocol';

/** Pixels of a batch: [B, H, W, 3] normalised float32, NHWC. */
export interface PixelBatch {
  data: Float32Array;
  shape: [number, number, number];
}

/**
 * What a replica starts from: a fresh initialisation, or encoded weights (a checkpoint's carry the
 * momentum too). `key` names them (a model's folder), so that asking for the same again is free.
 */
export type WeightSource =
  | { kind: 'fresh' }
  | { kind: 'weights'; weights: EncodedWeights; key: string | null }
  /** A fresh initialisation whose backbone then takes a torchvision state dict (name, tensor pairs). */
  | { kind: 'pretrained'; state: [string, StateTensor][]; key: string | null };

export interface ReplicaOps {
  /** A new detector (and optimizer, for training) from `source`. */
  load: {
    req: {
      detector: DetectorConfig;
      source: WeightSource;
      optimizer: Partial<SgdOptions> | null;
      /** The shared gradient slots of a multi-worker run (sized for this detector). */
      gradients: GradientLayout | null;
    };
    res: null;
  };
  /**
   * Loss, gradients summed over the workers, and the optimizer step, on this worker's share; with
   * `apply: false` nothing changes (a run with a time budget times a few such steps).
   */
  step: {
    req: {
      pixels: PixelBatch | null;
      targets: ImageTargets[];
      lr: number;
      clipNorm: number | null;
      apply: boolean;
    };
    res: {
      losses: number[];
      termNames: string[];
      /** Where the worker's time went: loss and gradients, the exchange (waiting included), the update. */
      timing: { gradientsMs: number; exchangeMs: number; updateMs: number };
      /** Bytes the backend holds for tensors after the step (on a GPU: its memory in use). */
      memoryBytes: number;
    };
  };
  detect: {
    req: { pixels: PixelBatch; frames: ImageFrame[]; imageIds: number[] };
    res: { detections: Detection[] };
  };
  /** The replica's parameters, with the optimizer's momentum for a checkpoint, encoded. */
  exportState: { req: { withMomentum: boolean }; res: EncodedWeights };
  /**
   * The loss and every trainable parameter's gradient, flat in parameter order, changing nothing:
   * what the check of a new GPU compares with the CPU.
   */
  gradients: {
    req: { pixels: PixelBatch; targets: ImageTargets[] };
    res: { losses: number[]; flat: Float32Array };
  };
  /** Whether a source with this key is loaded (then loading it again can be skipped). */
  holds: { req: { key: string }; res: { loaded: boolean } };
  inspect: {
    req: { pixels: PixelBatch; target: ImageTargets; boxIndex: number };
    res: { inspection: AssignmentInspection };
  };
  release: { req: Record<string, never>; res: null };
}

export type ReplicaOp = keyof ReplicaOps;
export type ReplicaRequest = { [K in ReplicaOp]: { op: K } & ReplicaOps[K]['req'] }[ReplicaOp];
export type ReplicaReply<K extends ReplicaOp> = ReplicaOps[K]['res'];

/** How many batch totals each loss sums over the workers (DW: N_gt, N_neg; FCOS: positives, centre-ness). */
const BATCH_TOTALS = 2;

/** The trainable parameters of a network, flat in order: what the workers' gradient exchange carries. */
export function gradientSize(detector: DetectorConfig): { values: number; params: number } {
  const trainable = networkSpecs(detector).filter((p) => p.trainable);
  return {
    values: trainable.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    params: trainable.length,
  };
}

export class Replica {
  #det: Detector | null = null;
  #optimizer: SgdMomentum | null = null;
  #loadedKey: string | null = null;
  #flat: { values: Float32Array; summed: Float32Array; has: Uint8Array; offsets: number[] } | null = null;

  /** `collective` joins the all-reduce of a multi-worker step; without it the batch is whole here. */
  constructor(private readonly collective: Collective | null = null) {}

  get detector(): Detector {
    if (!this.#det) throw new Error('no model is loaded in this compute worker');
    return this.#det;
  }

  handle(req: ReplicaRequest): Promise<ReplicaReply<ReplicaOp>> | ReplicaReply<ReplicaOp> {
    switch (req.op) {
      case 'load':
        if (req.gradients) this.collective?.attachGradients(req.gradients);
        return this.load(req.detector, req.source, req.optimizer);
      case 'step':
        return this.step(req.pixels, req.targets, req.lr, req.clipNorm, req.apply);
      case 'detect':
        return this.detect(req.pixels, req.frames, req.imageIds);
      case 'exportState':
        return encodeState(this.detector, req.withMomentum ? this.#optimizer : null);
      case 'gradients':
        return this.gradients(req.pixels, req.targets);
      case 'holds':
        return { loaded: req.key === this.#loadedKey };
      case 'inspect':
        return this.inspect(req.pixels, req.target, req.boxIndex);
      case 'release':
        this.release();
        return null;
    }
  }

  load(detector: DetectorConfig, source: WeightSource, optimizer: Partial<SgdOptions> | null) {
    this.release();
    const det = createDetector(detector);
    const opt = optimizer ? new SgdMomentum(optimizer) : null;
    try {
      if (source.kind === 'weights') decodeState(det, opt, source.weights);
      else if (source.kind === 'pretrained') {
        const report = importTorchvision(det, new Map(source.state));
        if (report.missing.length > 0)
          throw new Error(
            `the weights file lacks ${report.missing.length} backbone parameters (${report.missing.slice(0, 3).join(', ')}…)`,
          );
      }
    } catch (e) {
      opt?.dispose();
      disposeDetector(det);
      throw e;
    }
    this.#det = det;
    this.#optimizer = opt;
    this.#loadedKey = source.kind === 'fresh' ? null : source.key;
    return null;
  }

  async step(
    pixels: PixelBatch | null,
    targets: ImageTargets[],
    lr: number,
    clipNorm: number | null,
    apply = true,
  ): Promise<ReplicaReply<'step'>> {
    const det = this.detector;
    const optimizer = this.#optimizer;
    if (!optimizer) throw new Error('the loaded model has no optimizer: load it for training');
    const termNames = lossTermNames(det.cfg);
    const c = this.collective;
    const split = c !== null && c.size > 1;
    if (!split && !pixels) throw new Error('a training step needs images');
    const t0 = performance.now();
    // A share of a batch split over the workers: the loss uses the whole batch's normalisers, the
    // gradients are summed over every share, and every replica applies the same update.
    let losses: Tensor | null = null;
    let grads = new Map<string, Tensor>();
    if (pixels && pixels.shape[0] > 0) {
      const images = tf.tensor4d(pixels.data, [...pixels.shape, 3]) as Tensor4D;
      try {
        const r = lossAndGradients(det, images, targets, split ? c.totals : undefined);
        losses = r.losses;
        grads = r.grads;
      } finally {
        images.dispose();
      }
    } else {
      // No images for this worker (a batch smaller than the worker count): it still meets the others.
      c!.totals(new Array<number>(BATCH_TOTALS).fill(0));
    }
    const t1 = performance.now();
    let summed = grads;
    if (split) {
      summed = this.#sumGradients(grads);
      tf.dispose([...grads.values()]);
    }
    const t2 = performance.now();
    try {
      if (apply) applyGradients(det, optimizer, summed, lr, clipNorm);
    } finally {
      tf.dispose([...summed.values()]);
    }
    // Read after the update is queued: on a GPU the read waits for the step without stalling it.
    const values = losses ? Array.from(await losses.data()) : new Array<number>(termNames.length + 1).fill(0);
    losses?.dispose();
    const t3 = performance.now();
    const memory = tf.memory() as { numBytes: number; numBytesInGPUAllocated?: number };
    return {
      losses: values,
      termNames,
      timing: { gradientsMs: t1 - t0, exchangeMs: t2 - t1, updateMs: t3 - t2 },
      memoryBytes: memory.numBytesInGPUAllocated ?? memory.numBytes,
    };
  }

  async gradients(pixels: PixelBatch, targets: ImageTargets[]): Promise<ReplicaReply<'gradients'>> {
    const det = this.detector;
    const images = tf.tensor4d(pixels.data, [...pixels.shape, 3]) as Tensor4D;
    try {
      const { grads, losses } = lossAndGradients(det, images, targets);
      const trainable = [...det.params.values()].filter((p) => p.trainable);
      const size = (p: { shape: number[] }) => p.shape.reduce((a, b) => a * b, 1);
      const flat = new Float32Array(trainable.reduce((n, p) => n + size(p), 0));
      let at = 0;
      for (const p of trainable) {
        const g = grads.get(p.name);
        if (g) flat.set((await g.data()) as Float32Array, at);
        at += size(p);
      }
      tf.dispose([...grads.values()]);
      const values = Array.from(await losses.data());
      losses.dispose();
      return { losses: values, flat };
    } finally {
      images.dispose();
    }
  }

  /** This worker's gradients summed with every other worker's, as tensors by parameter name. */
  #sumGradients(grads: Map<string, Tensor>): Map<string, Tensor> {
    const trainable = [...this.detector.params.values()].filter((p) => p.trainable);
    if (!this.#flat) {
      const offsets: number[] = [];
      let n = 0;
      for (const p of trainable) {
        offsets.push(n);
        n += p.shape.reduce((a, b) => a * b, 1);
      }
      this.#flat = {
        values: new Float32Array(n),
        summed: new Float32Array(n),
        has: new Uint8Array(trainable.length),
        offsets,
      };
    }
    const flat = this.#flat;
    flat.has.fill(0);
    trainable.forEach((p, i) => {
      const g = grads.get(p.name);
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (g) {
        flat.values.set(g.dataSync() as Float32Array, flat.offsets[i]!);
        flat.has[i] = 1;
      } else {
        flat.values.fill(0, flat.offsets[i]!, flat.offsets[i]! + size);
      }
    });
    const any = this.collective!.sumGradients(flat.values, flat.has, flat.summed);
    const out = new Map<string, Tensor>();
    trainable.forEach((p, i) => {
      if (!any[i]) return; // no worker has a gradient: the parameter is left alone, as PyTorch does
      const size = p.shape.reduce((a, b) => a * b, 1);
      const start = flat.offsets[i]!;
      out.set(p.name, tf.tensor(flat.summed.slice(start, start + size), p.shape));
    });
    return out;
  }

  async detect(pixels: PixelBatch, frames: ImageFrame[], imageIds: number[]) {
    const det = this.detector;
    const [, H, W] = pixels.shape;
    const input = tf.tensor4d(pixels.data, [...pixels.shape, 3]) as Tensor4D;
    const outputs = tidy(() => forward(det, input));
    try {
      const results = await detectBatch(outputs, pointsFor(det.cfg, H, W), frames, det.cfg.assigner);
      const detections: Detection[] = [];
      results.forEach((r, i) => {
        for (let k = 0; k < r.scores.length; k++) {
          const [x1, y1, x2, y2] = r.boxesXYXY.subarray(k * 4, k * 4 + 4);
          detections.push({
            imageId: imageIds[i]!,
            classIndex: r.labels[k]!,
            box: [x1!, y1!, x2! - x1!, y2! - y1!],
            score: r.scores[k]!,
          });
        }
      });
      return { detections };
    } finally {
      tf.dispose([input, outputs.clsLogits, outputs.ctrLogits, outputs.ltrb]);
    }
  }

  async inspect(pixels: PixelBatch, target: ImageTargets, boxIndex: number) {
    const det = this.detector;
    const [, H, W] = pixels.shape;
    const input = tf.tensor4d(pixels.data, [...pixels.shape, 3]) as Tensor4D;
    const outputs = tidy(() => forward(det, input));
    try {
      return { inspection: await inspectAssignment(outputs, pointsFor(det.cfg, H, W), target, boxIndex) };
    } finally {
      tf.dispose([input, outputs.clsLogits, outputs.ctrLogits, outputs.ltrb]);
    }
  }

  release(): void {
    this.#optimizer?.dispose();
    if (this.#det) disposeDetector(this.#det);
    this.#det = null;
    this.#optimizer = null;
    this.#loadedKey = null;
    this.#flat = null;
  }
}
