// tfjs 4.22 registers gradients for Minimum, Maximum and SquaredDifference that do not sum over
// broadcast dimensions: differentiating min(a [B,P,1,1], b [B,1,G,1]) throws "The gradient of input
// 'a' has shape 'B,P,G,1', which does not match the shape of the input". (Add, Mul, Div, Pow and the
// others do reduce.) Pairwise IoU/GIoU between P points and G boxes hits exactly that, so this module
// re-registers the three with the reduction. Gradient registration is process-wide: importing this
// module once is enough: `tf.ts`, through which the whole detector layer reaches tfjs, imports it.
// It takes tfjs-core directly (not `./tf`) so that `./tf` can import it without a cycle; tfjs-layers
// first registers the stock gradients, which these then replace.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** Sums `g` over the axes along which `shape` was broadcast, back to `shape`. */
function reduceTo(g: Tensor, shape: number[]): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return axes.length > 0 ? tf.reshape(tf.sum(g, axes), shape) : g;
}

type Pick2 = (a: Tensor, b: Tensor) => Tensor;

/** dmin/da = [a ≤ b], dmax/da = [a ≥ b]; the other input gets the complement (TF's tie rule). */
function selectGradient(kernelName: string, takesA: Pick2): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [Tensor, Tensor];
      const d = dy as Tensor;
      const toA = tf.cast(takesA(a, b), 'float32');
      return {
        a: () => reduceTo(tf.mul(d, toA), a.shape),
        b: () => reduceTo(tf.mul(d, tf.sub(1, toA)), b.shape),
      };
    },
  });
}

selectGradient('Minimum', (a, b) => tf.lessEqual(a, b));
selectGradient('Maximum', (a, b) => tf.greaterEqual(a, b));

tf.registerGradient({
  kernelName: 'SquaredDifference',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [Tensor, Tensor];
    const twice = tf.mul(dy as Tensor, tf.mul(tf.sub(a, b), 2)); // d(a−b)²/da
    return { a: () => reduceTo(twice, a.shape), b: () => reduceTo(tf.neg(twice), b.shape) };
  },
});

/** Present so that importers can refer to the fix explicitly. */
export const BROADCAST_GRADIENTS_FIXED = true;
