// Entry of a compute worker (a worker_threads thread of the trainer process): its own TensorFlow.js
// backend (WebAssembly runs one thread per instance) and its own replica of the detector. It answers
// the pool's requests one at a time; a multi-worker step meets the other workers in shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { activateCompute } from '../compute/activate';
import { tf } from '../detector/tf';
import type { ComputeReport } from '../shared/api/system';
import { Collective, type CollectiveLayout } from './collective';
import { Replica, type ReplicaRequest } from './replica';
import { errorText } from '../training/outOfMemory';

export interface ComputeWorkerData {
  rank: number;
  size: number;
  collective: CollectiveLayout;
  /** The backend the trainer chose (wasm, or cpu where WebAssembly failed). */
  compute: ComputeReport;
}

export type ToComputeWorker = { id: number; req: ReplicaRequest };
export type FromComputeWorker =
  | { type: 'ready'; backend: 'wasm' | 'cpu'; simd: boolean }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the compute worker must run in a worker thread');
  const data = workerData as ComputeWorkerData;
  const compute = await activateCompute({ report: data.compute, modulePath: null });
  const replica = new Replica(new Collective(data.rank, data.size, data.collective));
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (msg: ToComputeWorker) => {
    queue = queue.then(async () => {
      let reply: FromComputeWorker;
      try {
        reply = { type: 'reply', id: msg.id, ok: true, value: await replica.handle(msg.req) };
      } catch (e) {
        reply = { type: 'reply', id: msg.id, ok: false, error: errorText(e) };
      }
      port.postMessage(reply);
    });
  });
  const backend = compute.backend === 'wasm' ? 'wasm' : 'cpu';
  const simd = backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const ready: FromComputeWorker = { type: 'ready', backend, simd };
  port.postMessage(ready);
}

main().catch((e: unknown) => {
  // An uncaught error reaches the pool as the worker's 'error' event.
  throw e;
});
