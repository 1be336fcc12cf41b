// Per-point maps behind one labeled box, for the Inspect view (DW paper Fig. 5): what DW's weights and
// FCOS's assignment make of that box, over every level. Everything is in PointGrid order; the view
// cuts each array into levels with `levelStarts` / `levelSizes` and draws them as heatmaps.
import { targetCount } from './boxes';
import type { ImageTargets } from './boxes';
import { DW_HYPER, fcosHyperForStrides } from './dwConfig';
import type { DwHyper, FcosHyper } from './dwConfig';
import { dwForward, dwWeights } from './dwLoss';
import { prepareDwTargets } from './dwTargets';
import { fcosTargets } from './fcosTargets';
import { checkOutputs } from './outputs';
import type { DetectorOutputs } from './outputs';
import type { LevelSize, PointGrid } from './points';
import { tf } from './tf';

export interface AssignmentInspection {
  gtIndex: number;
  label: number;
  strides: number[];
  levelSizes: LevelSize[];
  levelStarts: number[];
  /** [P] joint score s = σ(cls)·σ(ctr) at the box's class. */
  score: Float32Array<ArrayBuffer>;
  /** [P] IoU of each point's predicted box with the GT box, at every point (not masked). */
  iou: Float32Array<ArrayBuffer>;
  /** [P] 1 where the point is strictly inside the box: DW's bag. */
  inside: Uint8Array<ArrayBuffer>;
  /** [P] the centre prior, 0 outside the box. */
  centerPrior: Float32Array<ArrayBuffer>;
  /** [P] w_pos of this box (SPEC §3.2). */
  wPos: Float32Array<ArrayBuffer>;
  /** [P] P_neg at the box's class, after the same-class overlap rule (SPEC §4.2). */
  pNeg: Float32Array<ArrayBuffer>;
  /** [P] w_neg = P_neg·s² at the box's class. */
  wNeg: Float32Array<ArrayBuffer>;
  /** [P] 1 where FCOS assigns the point to this box. */
  fcosPositive: Uint8Array<ArrayBuffer>;
  /** [P] FCOS class of every point for the whole image (C = background). */
  fcosLabels: Int32Array<ArrayBuffer>;
  /** [P] FCOS centerness target where assigned to this box, else 0. */
  fcosCenterness: Float32Array<ArrayBuffer>;
}

/**
 * The maps of box `gtIndex` of one image. `outputs` hold that image only (B = 1); the other boxes of
 * the image matter (P_neg's same-class rule, FCOS's smallest-area rule), so pass all of them.
 */
export async function inspectAssignment(
  outputs: DetectorOutputs,
  points: PointGrid,
  target: ImageTargets,
  gtIndex: number,
  dwHyper: DwHyper = DW_HYPER,
  fcosHyper: FcosHyper = fcosHyperForStrides(points.strides),
): Promise<AssignmentInspection> {
  const P = points.count;
  checkOutputs(outputs, P, 1);
  const G = targetCount(target);
  if (!(gtIndex >= 0 && gtIndex < G)) throw new Error(`inspect: box ${gtIndex} of ${G}`);
  const C = outputs.clsLogits.shape[2] as number;
  const label = target.labels[gtIndex] as number;
  const MAPS = 7;
  const packed = tf.tidy(() => {
    const prepared = prepareDwTargets(points, [target], C, dwHyper);
    const forward = dwForward(outputs, tf.tensor2d(points.xy, [P, 2]), prepared, dwHyper.iouEps);
    const w = dwWeights(forward, prepared, dwHyper);
    const atGt = (x: tf.Tensor) => tf.reshape(tf.slice(x, [0, 0, gtIndex], [1, P, 1]), [P]); // [P]
    const atClass = (x: tf.Tensor) => tf.reshape(tf.slice(x, [0, 0, label], [1, P, 1]), [P]); // [P]
    const score = atClass(forward.score);
    const pNeg = atClass(w.pNeg);
    const maps = [
      score,
      atGt(forward.iou),
      atGt(prepared.inside),
      atGt(prepared.prior),
      atGt(w.wPos),
      pNeg,
      tf.mul(pNeg, tf.square(score)),
    ];
    return tf.stack(maps, 1); // [P, MAPS]
  });
  const data = (await packed.data()) as Float32Array<ArrayBuffer>;
  packed.dispose();
  const column = (k: number) => Float32Array.from({ length: P }, (_, i) => data[i * MAPS + k] as number);
  const fcos = fcosTargets(points, target, C, fcosHyper);
  const fcosPositive = Uint8Array.from(fcos.gtIndex, (g) => (g === gtIndex ? 1 : 0));
  return {
    gtIndex,
    label,
    strides: [...points.strides],
    levelSizes: points.levelSizes.map((z) => ({ ...z })),
    levelStarts: [...points.levelStarts],
    score: column(0),
    iou: column(1),
    inside: Uint8Array.from(column(2)),
    centerPrior: column(3),
    wPos: column(4),
    pNeg: column(5),
    wNeg: column(6),
    fcosPositive,
    fcosLabels: Int32Array.from(fcos.labels),
    fcosCenterness: Float32Array.from(fcos.centerness, (v, i) => (fcosPositive[i] ? v : 0)),
  };
}
