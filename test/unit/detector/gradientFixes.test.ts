import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import '../../../src-main/detector/gradientFixes';
import { tf } from '../../../src-main/detector/tf';

beforeAll(async () => {
  await useBackend('cpu');
});

// a [3,1] against b [1,4]: every gradient must come back in its input's shape, summed over the
// broadcast axis. Hand-computed from the elementwise rule.
const A = [[0.5], [2], [-1]];
const B = [[1, -2, 0.5, 3]];
const W = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
];

function grads(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): [number[][], number[][]] {
  return tf.tidy(() => {
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), tf.tensor2d(W)));
    const [ga, gb] = tf.grads(f)([tf.tensor2d(A), tf.tensor2d(B)]);
    return [ga!.arraySync() as number[][], gb!.arraySync() as number[][]];
  });
}

function expected(d: (a: number, b: number) => [number, number]): [number[][], number[][]] {
  const ga = A.map(() => [0]);
  const gb = [[0, 0, 0, 0]];
  A.forEach(([a], i) =>
    B[0]!.forEach((b, j) => {
      const [da, db] = d(a!, b);
      ga[i]![0]! += W[i]![j]! * da;
      gb[0]![j]! += W[i]![j]! * db;
    }),
  );
  return [ga, gb];
}

describe('broadcast-safe gradients', () => {
  it('minimum: to a where a ≤ b, else to b', () => {
    expect(grads(tf.minimum)).toEqual(expected((a, b) => (a <= b ? [1, 0] : [0, 1])));
  });

  it('maximum: to a where a ≥ b, else to b', () => {
    expect(grads(tf.maximum)).toEqual(expected((a, b) => (a >= b ? [1, 0] : [0, 1])));
  });

  it('squared difference: 2(a − b) and 2(b − a)', () => {
    const [ga, gb] = grads(tf.squaredDifference);
    const [ea, eb] = expected((a, b) => [2 * (a - b), 2 * (b - a)]);
    ga.flat().forEach((v, i) => expect(v).toBeCloseTo(ea.flat()[i]!, 5));
    gb.flat().forEach((v, i) => expect(v).toBeCloseTo(eb.flat()[i]!, 5));
  });
});
