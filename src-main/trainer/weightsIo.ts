// A replica's parameters (and the optimizer's momentum) as bytes and back: the standard tf.io weights
// encoding, which the trainer's thread writes to disk and reads back (checkpoint.ts). Momentum buffers
// travel under a prefix, so one encoding holds a whole checkpoint.
import { exportWeights, importWeights, type Detector } from '../detector/model';
import type { SgdMomentum } from '../detector/optimizer';
import { tf } from '../detector/tf';
import type { Tensor } from '../detector/tf';

export interface EncodedWeights {
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

const SLOT_PREFIX = '__optimizer__/';

/** The detector's parameters, and the optimizer's momentum when given, as one encoding. */
export async function encodeState(det: Detector, optimizer: SgdMomentum | null): Promise<EncodedWeights> {
  const all = new Map(exportWeights(det));
  if (optimizer) for (const [name, t] of optimizer.exportSlots()) all.set(SLOT_PREFIX + name, t);
  const { data, specs } = await tf.io.encodeWeights([...all].map(([name, tensor]) => ({ name, tensor })));
  return { specs, data: Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data };
}

/** Loads an encoding into the detector (every parameter must be there) and the optimizer's momentum. */
export function decodeState(det: Detector, optimizer: SgdMomentum | null, encoded: EncodedWeights): void {
  const tensors = tf.io.decodeWeights(encoded.data, encoded.specs) as Record<string, Tensor>;
  const weights = new Map<string, Tensor>();
  const slots = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(SLOT_PREFIX)) slots.set(name.slice(SLOT_PREFIX.length), t);
    else weights.set(name, t);
  }
  try {
    importWeights(det, weights);
    optimizer?.importSlots(slots);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
