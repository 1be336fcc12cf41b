// Central-difference gradient checks in float32 (after TFJS.md §1 and sketches/gradcheck.js): step
// 1e-2, error |num − ana| / max(1e-3, |num| + |ana|), pass below 2e-2.
//
// The objective is Σ w ⊙ f(args) for fixed weights w (1 for a scalar f). Its numerical derivative is
// summed in float64 from the two float32 outputs, so only the rounding of the output entries a
// probe changes enters it, not the rounding of a float32 total; and the perturbation actually applied
// is measured in float32, so the rounding of x ± h is no error source either. The step is what float32
// allows: ~1e-7 relative output rounding over 2h = 2e-2 stays far below the tolerance, while the
// curvature error of a smooth function over ±1e-2 is of order h².
import { tf } from '../../../src-main/detector/tf';
import type { Tensor } from '../../../src-main/detector/tf';

export const GRAD_STEP = 1e-2;
export const GRAD_FLOOR = 1e-3;
export const GRAD_TOL = 2e-2;

export interface GradCheckOptions {
  /** Weights of the outputs in the objective; default 1 for a scalar, sin(1.7k + 0.3) otherwise. */
  weights?: Float32Array;
  /** Entries probed per argument, spread evenly over the tensor. */
  spread?: number;
  /** Also probe the entries with the largest analytic gradient. */
  largest?: number;
  /** Entries to leave out, where f is known not to be differentiable within the step. */
  skip?: (arg: number, index: number) => boolean;
}

/** Deterministic weights in [−1, 1]. */
export function sineWeights(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, k) => Math.sin(1.7 * k + 0.3));
}

/**
 * The worst relative error between the analytic gradient of Σ w ⊙ f(args) and central differences,
 * over the probed entries of args[k] for every k in `which`.
 */
export function gradCheck(
  f: (...args: Tensor[]) => Tensor,
  args: Tensor[],
  which: number[],
  opts: GradCheckOptions = {},
): number {
  const { spread = 12, largest = 8, skip = () => false } = opts;
  const outSize = tf.tidy(() => f(...args).size);
  const w = opts.weights ?? (outSize === 1 ? Float32Array.of(1) : sineWeights(outSize));
  const withProbed = (probed: Tensor[]) => {
    const xs = args.slice();
    which.forEach((k, j) => (xs[k] = probed[j]!));
    return f(...xs);
  };
  // Gradients of the probed arguments only: tf.grads insists that each of its inputs reaches f.
  const grads = tf.tidy(() =>
    tf
      .grads((...probed: Tensor[]) => {
        const out = withProbed(probed);
        return tf.sum(tf.mul(tf.reshape(out, [-1]), tf.tensor1d(w)));
      })(which.map((k) => args[k]!))
      .map((g) => g.dataSync()),
  );
  let worst = 0;
  which.forEach((k, j) => {
    const arg = args[k]!;
    const base = arg.dataSync().slice() as Float32Array;
    const g = grads[j]!;
    const n = base.length;
    const probes = new Set<number>();
    const m = Math.min(n, spread);
    for (let p = 0; p < m; p++) probes.add(Math.floor(((p + 0.5) * n) / m));
    Array.from(g.keys())
      .sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!))
      .slice(0, largest)
      .forEach((i) => probes.add(i));
    for (const i of probes) {
      if (skip(k, i)) continue;
      const at = (x: number) =>
        tf.tidy(() => {
          const v = base.slice();
          v[i] = x;
          const xs = args.slice();
          xs[k] = tf.tensor(v, arg.shape, 'float32');
          return f(...xs).dataSync();
        });
      const plus = Math.fround(base[i]! + GRAD_STEP);
      const minus = Math.fround(base[i]! - GRAD_STEP);
      const [up, down] = [at(plus), at(minus)];
      let diff = 0;
      for (let o = 0; o < w.length; o++) diff += w[o]! * (up[o]! - down[o]!);
      const num = diff / (plus - minus);
      const err = Math.abs(num - g[i]!) / Math.max(GRAD_FLOOR, Math.abs(num) + Math.abs(g[i]!));
      if (process.env.GRADCHECK_DEBUG && err > 1e-3) console.log({ k, i, num, ana: g[i], err });
      worst = Math.max(worst, err);
    }
  });
  return worst;
}
