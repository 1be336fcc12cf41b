// Where the replicas of the detector live: in N compute workers (WebAssembly and plain JavaScript run
// one thread per backend instance, so each core gets its own), or in the trainer process itself (the
// TensorFlow backends thread their own kernels). Jobs talk to either through `Replicas`.
import { Worker } from 'node:worker_threads';
import type { DetectorConfig } from '../detector/config';
import type { SgdOptions } from '../detector/optimizer';
import { cpuDevice, type ComputeReport } from '../shared/api/system';
import {
  abortCollective,
  createCollective,
  createGradientSlots,
  type CollectiveLayout,
  type GradientLayout,
} from './collective';
import type { ComputeWorkerData, FromComputeWorker, ToComputeWorker } from './computeWorker';
import {
  gradientSize,
  Replica,
  type ReplicaOp,
  type ReplicaOps,
  type ReplicaReply,
  type WeightSource,
} from './replica';

type Req<K extends ReplicaOp> = { op: K } & ReplicaOps[K]['req'];

export interface Replicas {
  /** How many replicas a batch is split over. */
  readonly size: number;
  /** The compute the replicas run on, with their thread count. */
  readonly compute: ComputeReport;
  /** Once a replica failed, the set cannot be trusted for another job (a fresh one is made). */
  readonly broken: boolean;
  call<K extends ReplicaOp>(rank: number, req: Req<K>, transfer?: ArrayBuffer[]): Promise<ReplicaReply<K>>;
  /** Loads the same detector into every replica. */
  load(detector: DetectorConfig, source: WeightSource, optimizer: Partial<SgdOptions> | null): Promise<void>;
  dispose(): Promise<void>;
}

/** The replica of the trainer process itself (TensorFlow backends). */
export class LocalReplicas implements Replicas {
  readonly size = 1;
  readonly broken = false;
  readonly #replica = new Replica();

  constructor(readonly compute: ComputeReport) {}

  async call<K extends ReplicaOp>(_rank: number, req: Req<K>): Promise<ReplicaReply<K>> {
    return (await this.#replica.handle(req as never)) as ReplicaReply<K>;
  }

  async load(detector: DetectorConfig, source: WeightSource, optimizer: Partial<SgdOptions> | null) {
    await this.call(0, { op: 'load', detector, source, optimizer, gradients: null });
  }

  async dispose(): Promise<void> {
    this.#replica.release();
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** One compute worker per core, each with its own WebAssembly (or JavaScript) backend and replica. */
export class WorkerReplicas implements Replicas {
  readonly #workers: Worker[] = [];
  readonly #pending: Array<Map<number, Pending>> = [];
  readonly #collective: CollectiveLayout = createCollective();
  #gradients: GradientLayout | null = null;
  #nextId = 1;
  #failure: Error | null = null;
  #closing = false;
  compute: ComputeReport;

  private constructor(
    readonly size: number,
    base: ComputeReport,
  ) {
    this.compute = base;
  }

  /** Starts `size` workers from the bundled worker script and waits until each has its backend. */
  static async start(entry: string, size: number, compute: ComputeReport): Promise<WorkerReplicas> {
    const set = new WorkerReplicas(size, compute);
    const ready = Array.from({ length: size }, (_, rank) => set.#spawn(entry, rank, compute));
    try {
      const reports = await Promise.all(ready);
      const first = reports[0]!;
      set.compute = {
        ...compute,
        backend: first.backend,
        device: cpuDevice(size, first.backend, first.simd),
        usesGpu: false,
        threads: size,
      };
      return set;
    } catch (e) {
      await set.dispose();
      throw e;
    }
  }

  get broken(): boolean {
    return this.#failure !== null;
  }

  #spawn(entry: string, rank: number, compute: ComputeReport) {
    const data: ComputeWorkerData = { rank, size: this.size, collective: this.#collective, compute };
    const worker = new Worker(entry, { workerData: data });
    this.#workers[rank] = worker;
    this.#pending[rank] = new Map();
    return new Promise<{ backend: 'wasm' | 'cpu'; simd: boolean }>((resolve, reject) => {
      worker.on('message', (msg: FromComputeWorker) => {
        if (msg.type === 'ready') {
          resolve(msg);
          return;
        }
        const pending = this.#pending[rank]!.get(msg.id);
        if (!pending) return;
        this.#pending[rank]!.delete(msg.id);
        if (msg.ok) pending.resolve(msg.value);
        else {
          // The others may be waiting for this one at a barrier: release them, and make a fresh set
          // for the next job (after an out-of-memory the worker's heap is not to be trusted).
          this.#fail(new Error(msg.error), rank);
          pending.reject(new Error(msg.error));
        }
      });
      worker.on('error', (e) => {
        const err = new Error(`A compute worker (${rank + 1} of ${this.size}) failed: ${e.message}`);
        reject(err);
        this.#fail(err, rank);
      });
      worker.on('exit', (code) => {
        if (this.#closing) return;
        const err = new Error(
          `A compute worker (${rank + 1} of ${this.size}) stopped unexpectedly (exit code ${code})`,
        );
        reject(err);
        this.#fail(err, rank);
      });
    });
  }

  #fail(error: Error, rank: number): void {
    if (!this.#failure) this.#failure = error;
    abortCollective(this.#collective);
    // Every call still waiting fails with the first worker's reason, not "another worker stopped".
    this.#pending.forEach((pending, r) => {
      for (const p of pending.values()) p.reject(r === rank ? error : this.#failure!);
      pending.clear();
    });
  }

  call<K extends ReplicaOp>(
    rank: number,
    req: Req<K>,
    transfer: ArrayBuffer[] = [],
  ): Promise<ReplicaReply<K>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<ReplicaReply<K>>((resolve, reject) => {
      this.#pending[rank]!.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: ToComputeWorker = { id, req: req as ToComputeWorker['req'] };
      this.#workers[rank]!.postMessage(msg, transfer);
    });
  }

  async load(detector: DetectorConfig, source: WeightSource, optimizer: Partial<SgdOptions> | null) {
    const { values, params } = gradientSize(detector);
    const g = this.#gradients;
    if (!g || g.count !== values || g.params !== params)
      this.#gradients = createGradientSlots(this.size, values, params);
    // Each worker gets its own copy of the weights' bytes (a structured clone).
    await Promise.all(
      this.#workers.map((_, rank) =>
        this.call(rank, { op: 'load', detector, source, optimizer, gradients: this.#gradients }),
      ),
    );
  }

  /** Ends worker `rank` without a word, as a crash would (tests of the failure path). */
  terminateForTest(rank: number): void {
    void this.#workers[rank]?.terminate();
  }

  async dispose(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
