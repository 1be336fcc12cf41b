// The detector's tfjs entry point: gradients registered on both backends, and the stop-gradient
// helpers (TFJS.md §0, §1.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detach, noGrad } from '../../../src-main/detector/tensorOps';
import { tf } from '../../../src-main/detector/tf';
import { BACKENDS, expectClose, useBackend } from './helpers';

describe.each(BACKENDS)('tfjs for the detector on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.disposeVariables());

  it('has gradients registered (importing tfjs-core alone has none)', () => {
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.softplus(tf.mul(x, x))))(tf.tensor1d([1, -2]))
        .dataSync(),
    );
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectClose(g, [2 * sig(1), -4 * sig(4)], 'd softplus(x²)');
  });

  it('detach shares the data, stops the gradient and lets gradient-less ops follow', () => {
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => {
          const y = tf.mul(x, 3);
          const d = detach(y);
          // Greater has no gradient: it would throw if `d` were on the tape.
          const mask = tf.cast(tf.greater(d, 0), 'float32');
          return tf.sum(tf.add(tf.mul(y, mask), tf.mul(d, x)));
        })(tf.tensor1d([1, -1, 2]))
        .dataSync(),
    );
    // d/dx [3x·[3x>0] + d·x] with d held at 3x: 3·[x>0] + 3x
    expectClose(g, [6, -3, 9], 'grad');
    expect(tf.memory().numTensors).toBe(before);
    const x = tf.tensor1d([1, 2]);
    const d = detach(x);
    x.dispose();
    expect(Array.from(d.dataSync())).toEqual([1, 2]); // shares a ref-counted buffer
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('noGrad runs the function and reports a zero gradient', () => {
    const before = tf.memory().numTensors;
    const sq = noGrad((x) => tf.mul(x, x));
    const [v, g] = tf.tidy(() => {
      const x = tf.tensor1d([2, 3]);
      return [
        sq(x).dataSync(),
        tf
          .grad((y: tf.Tensor) => tf.sum(tf.add(sq(y), y)))(x)
          .dataSync(),
      ];
    });
    expect(Array.from(v!)).toEqual([4, 9]);
    expect(Array.from(g!)).toEqual([1, 1]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
