// The all-reduce of data-parallel training across the compute workers of one trainer process: each
// worker holds a replica of the network and computes the loss of its slice of the batch; the batch
// normalisers and then the gradients are summed over the workers through shared memory, and every
// worker applies the same optimizer step to its replica (as PyTorch's DistributedDataParallel does).
//
// A step meets twice: once inside the loss (the normalisers: DW's N_gt and N_neg, FCOS's positives
// and centre-ness sum; SPEC §5, "reduce_mean over GPUs") and once for the gradients. Each meeting
// writes the worker's own slot, waits at a barrier, then reads every slot in rank order, so every
// worker sums in the same order and the replicas stay bit-identical.
//
// Why one barrier per meeting is enough: a worker writes the scalar slots again only inside the next
// step's loss, after it passed this step's gradient barrier, which every worker reaches only once it
// has read the scalars; the gradient slots likewise are rewritten only after the next scalar barrier.

import type { BatchTotals } from '../detector/batchTotals';

const CONTROL_INTS = 4;
const GEN = 0;
const ARRIVED = 1;
const ABORT = 2;
/** Batch-wide scalars a meeting can carry (DW uses 2, FCOS 2). */
export const MAX_SCALARS = 8;

export interface CollectiveLayout {
  /** Barrier state, abort flag. */
  control: SharedArrayBuffer;
  /** size × MAX_SCALARS float64. */
  scalars: SharedArrayBuffer;
}

export function createCollective(): CollectiveLayout {
  return {
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    scalars: new SharedArrayBuffer(64 * MAX_SCALARS * 8),
  };
}

/** Gradient slots: size × count float32 values, plus a has-gradient flag per worker and parameter. */
export interface GradientLayout {
  values: SharedArrayBuffer;
  present: SharedArrayBuffer;
  count: number;
  params: number;
}

export function createGradientSlots(size: number, count: number, params: number): GradientLayout {
  return {
    values: new SharedArrayBuffer(size * count * 4),
    present: new SharedArrayBuffer(size * params),
    count,
    params,
  };
}

/** Stops every worker waiting at a barrier (a worker died): their wait throws CollectiveAborted. */
export function abortCollective(layout: CollectiveLayout): void {
  const control = new Int32Array(layout.control);
  Atomics.store(control, ABORT, 1);
  Atomics.notify(control, GEN);
}

export class CollectiveAborted extends Error {
  constructor() {
    super('another compute worker stopped');
    this.name = 'CollectiveAborted';
  }
}

/** How long a barrier waits between checks of the abort flag (ms). */
const WAIT_SLICE_MS = 250;

export class Collective {
  readonly #control: Int32Array;
  readonly #scalars: Float64Array;
  #grads: { values: Float32Array; present: Uint8Array; count: number; params: number } | null = null;

  constructor(
    readonly rank: number,
    readonly size: number,
    layout: CollectiveLayout,
  ) {
    if (size > 64) throw new Error('at most 64 compute workers');
    this.#control = new Int32Array(layout.control);
    this.#scalars = new Float64Array(layout.scalars);
  }

  attachGradients(layout: GradientLayout): void {
    this.#grads = {
      values: new Float32Array(layout.values),
      present: new Uint8Array(layout.present),
      count: layout.count,
      params: layout.params,
    };
  }

  /** Waits until every worker has arrived. */
  barrier(): void {
    const c = this.#control;
    const gen = Atomics.load(c, GEN);
    if (Atomics.add(c, ARRIVED, 1) === this.size - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
      return;
    }
    while (Atomics.load(c, GEN) === gen) {
      if (Atomics.load(c, ABORT) !== 0) throw new CollectiveAborted();
      Atomics.wait(c, GEN, gen, WAIT_SLICE_MS);
    }
  }

  /** The sums over every worker of `local` (at most MAX_SCALARS values). */
  readonly totals: BatchTotals = (local) => {
    if (local.length > MAX_SCALARS) throw new Error(`at most ${MAX_SCALARS} batch totals`);
    this.#scalars.set(local, this.rank * MAX_SCALARS);
    this.barrier();
    return local.map((_, k) => {
      let sum = 0;
      for (let r = 0; r < this.size; r++) sum += this.#scalars[r * MAX_SCALARS + k]!;
      return sum;
    });
  };

  /**
   * Sums every worker's flat gradient (`local`, parameters in a fixed order) into `out`; `has[i]`
   * says whether this worker has a gradient for parameter i. Returns which parameters any worker has.
   */
  sumGradients(local: Float32Array, has: Uint8Array, out: Float32Array): Uint8Array {
    const g = this.#grads;
    if (!g) throw new Error('gradient slots are not attached');
    if (local.length !== g.count || has.length !== g.params)
      throw new Error('the gradient does not match the attached slots');
    g.values.set(local, this.rank * g.count);
    g.present.set(has, this.rank * g.params);
    this.barrier();
    const n = g.count;
    out.set(g.values.subarray(0, n));
    for (let r = 1; r < this.size; r++) {
      const slot = g.values.subarray(r * n, (r + 1) * n);
      for (let i = 0; i < n; i++) out[i]! += slot[i]!;
    }
    const any = new Uint8Array(g.params);
    for (let r = 0; r < this.size; r++)
      for (let i = 0; i < g.params; i++) any[i]! |= g.present[r * g.params + i]!;
    return any;
  }
}
