// A page that computes vectors.json's DW reference case (c_dw_end_to_end) on TensorFlow.js's WebGPU
// backend and leaves every intermediate on `window.__dwVectors` for the test to compare.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { DW_HYPER } from '../../../src-main/detector/dwConfig';
import { dwForward, dwLossTerms, dwWeights } from '../../../src-main/detector/dwLoss';
import { prepareDwTargets } from '../../../src-main/detector/dwTargets';
import { pointGridForInput } from '../../../src-main/detector/points';
import vectors from '../../fixtures/dw/vectors.json';

type Nested = number | null | Nested[];
const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x === null ? NaN : x]);

async function main(): Promise<Record<string, number[]> | { error: string }> {
  if (!(await tf.setBackend('webgpu'))) return { error: 'the WebGPU backend did not start' };
  const IN = (vectors as unknown as { c_dw_end_to_end: { inputs: Record<string, Nested> } }).c_dw_end_to_end
    .inputs;
  const P = 84;
  const points = pointGridForInput(64, 64, IN.strides as number[]);
  const targets = [
    { boxesXYXY: Float32Array.from(flat(IN.gt_boxes_xyxy!)), labels: Int32Array.from(flat(IN.gt_labels!)) },
  ];
  const t = (key: string, shape: number[]) => tf.tensor(Float32Array.from(flat(IN[key]!)), shape, 'float32');
  const outputs = {
    clsLogits: t('cls_logits (P x C)', [1, P, 3]),
    ctrLogits: t('centerness_logits (P)', [1, P]),
    ltrb: t('bbox_pred_ltrb_pixels (P x 4) = relu(scale*conv)*stride (final, after refine if any)', [
      1,
      P,
      4,
    ]),
  };
  const prepared = prepareDwTargets(points, targets, 3, DW_HYPER);
  const fwd = dwForward(outputs, tf.tensor2d(points.xy, [P, 2]), prepared);
  const w = dwWeights(fwd, prepared);
  const terms = dwLossTerms(outputs, fwd, prepared, w);
  const read = async (x: tf.Tensor) => Array.from(await x.data());
  return {
    s: await read(fwd.score),
    giouLoss: await read(fwd.giouLoss),
    iou: await read(w.iouInBag),
    pCls: await read(w.pCls),
    pLoc: await read(w.pLoc),
    t: await read(w.t),
    wPos: await read(w.wPos),
    pNeg: await read(w.pNeg),
    negAvgFactor: await read(w.negAvgFactor),
    clsPos: await read(terms.clsPos),
    loc: await read(terms.loc),
    clsNeg: await read(terms.clsNeg),
    total: await read(terms.total),
    backend: [tf.getBackend() === 'webgpu' ? 1 : 0],
  };
}

main().then(
  (r) => ((globalThis as unknown as { __dwVectors: unknown }).__dwVectors = r),
  (e: unknown) => ((globalThis as unknown as { __dwVectors: unknown }).__dwVectors = { error: String(e) }),
);
