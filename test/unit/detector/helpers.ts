// Shared test helpers for the detector: the reference vectors, backend switching and tolerant compares.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import type { DetectorOutputs } from '../../../src-main/detector/outputs';
import { pointGridForInput } from '../../../src-main/detector/points';
import { tf } from '../../../src-main/detector/tf';
import type { Tensor } from '../../../src-main/detector/tf';

/** Both backends every numeric test runs on: tfjs's pure-JS kernels and WebAssembly. */
export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to start`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`backend is ${tf.getBackend()}, wanted ${name}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

let cached: Json | undefined;
/** test/fixtures/dw/vectors.json: the NumPy reference, float64 (SPEC §11). */
export function vectors(): Json {
  cached ??= JSON.parse(
    readFileSync(fileURLToPath(new URL('../../fixtures/dw/vectors.json', import.meta.url)), 'utf8'),
  );
  return cached;
}

/** Nested number arrays → a flat float64 array (row-major). `null` becomes NaN. */
export function flat(x: Json): Float64Array {
  const out: number[] = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (ArrayBuffer.isView(v)) Array.from(v as Float32Array).forEach(walk);
    else out.push(v === null ? NaN : Number(v));
  };
  walk(x);
  return Float64Array.from(out);
}

export const RTOL = 1e-5;
export const ATOL = 1e-6;

/** |a − e| ≤ atol + rtol·|e| elementwise, reporting the worst entry on failure. */
export function expectClose(
  actual: ArrayLike<number> | Tensor,
  expected: Json,
  what: string,
  rtol = RTOL,
  atol = ATOL,
): void {
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e = typeof expected === 'number' ? Float64Array.of(expected) : flat(expected);
  expect(a.length, `${what}: length`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let k = 0; k < e.length; k++) {
    const excess = Math.abs((a[k] as number) - (e[k] as number)) - (atol + rtol * Math.abs(e[k] as number));
    if (!(excess <= worstExcess)) {
      worst = k;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}[${worst}]: got ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** A float32 tensor from nested arrays with the given shape. */
export function tensorOf(x: Json, shape: number[]): Tensor {
  return tf.tensor(Float32Array.from(flat(x)), shape, 'float32');
}

/** The reference image of c_dw_end_to_end (also the FCOS inputs): 64×64, strides 8/16/32, P 84, C 3. */
export function referenceCase() {
  const IN = vectors().c_dw_end_to_end.inputs;
  const P = 84;
  const C = 3;
  const points = pointGridForInput(64, 64, IN.strides);
  const targets = [
    { boxesXYXY: Float32Array.from(flat(IN.gt_boxes_xyxy)), labels: Int32Array.from(IN.gt_labels) },
  ];
  const outputs = (): DetectorOutputs => ({
    clsLogits: tensorOf(IN['cls_logits (P x C)'], [1, P, C]),
    ctrLogits: tensorOf(IN['centerness_logits (P)'], [1, P]),
    ltrb: tensorOf(
      IN['bbox_pred_ltrb_pixels (P x 4) = relu(scale*conv)*stride (final, after refine if any)'],
      [1, P, 4],
    ),
  });
  return { points, targets, outputs };
}
