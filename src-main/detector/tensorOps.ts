// Gradient-control helpers that tfjs lacks. tfjs has no stopGradient: DW's weights are computed from
// the predictions but must not carry gradient (SPEC §5, stop-gradient summary).
import { tf } from './tf';
import type { Tensor } from './tf';

/**
 * A tensor that shares `t`'s buffer but is not on the gradient tape (zero copy). Ops applied to it do
 * not depend on any variable, so even ops without a gradient (Greater, TopK, ArgMax) are safe
 * downstream. The result is tracked like any new tensor: dispose it, or create it inside a tidy.
 */
export function detach<T extends Tensor>(t: T): T {
  const engine = tf.engine();
  const info = engine.state.tensorInfo.get(t.dataId);
  if (info === undefined) throw new Error('detach: the tensor has been disposed');
  info.backend.incRef(t.dataId);
  return engine.makeTensorFromTensorInfo(
    { dataId: t.dataId, shape: t.shape, dtype: t.dtype },
    info.backend,
  ) as T;
}

/**
 * Wraps `fn` so that it runs untaped (inside a customGrad forward) and reports a zero gradient to
 * each input. `fn` must return one tensor. Prefer `detach` on the inputs where possible; `noGrad` is
 * for a computation that must sit on a path from variables to the loss without propagating into them.
 */
export function noGrad<T extends Tensor>(fn: (...inputs: Tensor[]) => T): (...inputs: Tensor[]) => T {
  return tf.customGrad((...args: unknown[]) => {
    // The last argument tfjs passes is `save`; the rest are the inputs.
    const inputs = args.slice(0, -1) as Tensor[];
    const save = args[args.length - 1] as (tensors: Tensor[]) => void;
    // Shapes are all the gradient needs; saving the inputs keeps them valid for it (TFJS.md §1.7).
    save(inputs);
    return {
      value: fn(...inputs),
      gradFunc: (_dy: Tensor, saved: Tensor[]) => saved.map((x) => tf.zerosLike(x)),
    };
  }) as unknown as (...inputs: Tensor[]) => T;
}

type Tuple<N extends number, R extends Tensor[] = []> = R['length'] extends N ? R : Tuple<N, [...R, Tensor]>;

/** `tf.split(x, n, -1)` typed as a tuple: n tensors [..., k/n] along the last axis. */
export function splitLast<N extends 2 | 4 | 8>(x: Tensor, n: N): Tuple<N> {
  return tf.split(x, n, -1) as Tuple<N>;
}

/** `tf.tidy` for a function returning an object of tensors declared as an interface. */
export function tidy<T extends object>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
