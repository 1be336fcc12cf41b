// SGD with momentum and coupled weight decay, PyTorch semantics (v = μ·v + g + wd·p; p −= lr·v),
// with its slots keyed by parameter name. tf.train.momentum keys them by position in the gradient
// map, so a parameter without a gradient in one step silently shifts every slot (TFJS.md §1.8).
import type { DetectorParams, ParamRole } from './network/params';
import { tf } from './tf';
import type { Tensor } from './tf';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  /** Roles that get weight decay: GN/BN γ and β do not (SPEC §9.1, norm_decay_mult = 0). */
  decayRoles: readonly ParamRole[];
}

export const SGD_DEFAULTS: Readonly<SgdOptions> = Object.freeze<SgdOptions>({
  momentum: 0.9,
  weightDecay: 1e-4,
  decayRoles: ['kernel', 'bias', 'scale'],
});

export class SgdMomentum {
  readonly options: SgdOptions;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(options: Partial<SgdOptions> = {}) {
    this.options = { ...SGD_DEFAULTS, ...options };
  }

  /**
   * One update of every parameter in `grads` (keyed by parameter name) at learning rate `lr`.
   * Parameters without a gradient are left alone, as PyTorch does for grad = None.
   */
  apply(grads: ReadonlyMap<string, Tensor>, params: DetectorParams, lr: number): void {
    const { momentum, weightDecay, decayRoles } = this.options;
    tf.tidy(() => {
      for (const [name, g0] of grads) {
        const p = params.get(name);
        if (!p || !p.trainable) continue;
        const g =
          weightDecay > 0 && decayRoles.includes(p.role) ? tf.add(g0, tf.mul(p.variable, weightDecay)) : g0;
        let step = g;
        if (momentum > 0) {
          const v = this.slots.get(name);
          step = v ? tf.add(tf.mul(v, momentum), g) : g; // the first step starts from v = g
          if (v) v.assign(step);
          else this.slots.set(name, tf.variable(step, false));
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(step, lr)));
      }
    });
  }

  /** Momentum buffers for a checkpoint, keyed '<parameter>/momentum'. */
  exportSlots(): Map<string, Tensor> {
    return new Map([...this.slots].map(([n, v]) => [`${n}/momentum`, v as Tensor]));
  }

  /** Restores buffers written by exportSlots (values are copied). */
  importSlots(slots: ReadonlyMap<string, Tensor>): void {
    for (const [key, t] of slots) {
      if (!key.endsWith('/momentum')) continue;
      const name = key.slice(0, -'/momentum'.length);
      const v = this.slots.get(name);
      if (v) v.assign(t);
      else this.slots.set(name, tf.variable(t, false));
    }
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
