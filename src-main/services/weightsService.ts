// ImageNet weights for the detector's backbone: what is in the user's weights folder (shared by every
// project), downloads with progress, imports of files fetched elsewhere, and whether a preset's
// weights can start a run now (the training plan asks).
import path from 'node:path';
import type { WeightsEntry } from '../shared/api/weights';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { PretrainedWeights } from '../shared/pretrained';
import { WeightsCache } from '../weights/cache';
import { loadCatalog } from '../weights/catalog';
import { downloadWeights, probeWeightsUrl, WeightsUnavailableError } from '../weights/download';
import type { EventHub } from './events';
import type { WeightsAvailability } from './trainingService';

export interface WeightsOptions {
  catalog?: readonly PretrainedWeights[];
  /** A base address that replaces the published one up to the file name. */
  mirror?: string;
}

/** How long an answer on whether the weights' server is reachable stands before it is asked again. */
const PROBE_TTL_MS = 60_000;
const PROBE_TIMEOUT_MS = 4000;

export class WeightsService {
  readonly cache: WeightsCache;
  readonly #catalog: readonly PretrainedWeights[];
  readonly #mirror: string | undefined;
  readonly #downloads = new Map<string, Promise<WeightsEntry>>();
  readonly #probes = new Map<
    string,
    { at: number; result: Promise<{ reachable: boolean; reason?: string }> }
  >();

  constructor(
    userDataDir: string,
    private readonly events: EventHub,
    /** The known files and a mirror to fetch them from; default: `DW_STUDIO_WEIGHTS_CATALOG` / `_MIRROR`, else the published ones. */
    options: WeightsOptions = {},
  ) {
    this.#catalog = options.catalog ?? loadCatalog(process.env);
    this.#mirror = options.mirror ?? (process.env.DW_STUDIO_WEIGHTS_MIRROR || undefined);
    this.cache = new WeightsCache(path.join(userDataDir, 'weights'), this.#catalog);
  }

  list(): WeightsEntry[] {
    return this.cache.list().map((e) => ({
      ...e.weights,
      state: e.state,
      partialBytes: e.partialBytes,
    }));
  }

  /** One entry of `list()`; an unknown id is an error naming the known ones. */
  #entry(id: string): WeightsEntry {
    const known = this.cache.entry(id).id;
    return this.list().find((w) => w.id === known)!;
  }

  /** Adds a file fetched elsewhere; a wrong one is refused with the expected and the actual hash. */
  async import(file: string, id?: string): Promise<WeightsEntry> {
    const w = await this.cache.import(file, id);
    return this.#entry(w.weights.id);
  }

  /** Downloads `id` (once, however many callers wait), emitting weights.progress events. */
  download(id: string): Promise<WeightsEntry> {
    const running = this.#downloads.get(id);
    if (running) return running;
    const weights = this.#entry(id);
    const task = (async () => {
      const emit = (
        p: { received: number; total: number; bytesPerSecond: number },
        state: 'running' | 'done' | 'failed',
        message: string | null = null,
      ) => this.events.emit('weights.progress', { id, ...p, state, message });
      let last = { received: weights.partialBytes, total: weights.bytes, bytesPerSecond: 0 };
      try {
        await downloadWeights(weights, this.cache.dir, {
          mirror: this.#mirror,
          onProgress: (p) => {
            last = p;
            emit(p, 'running');
          },
        });
        emit({ ...last, received: weights.bytes }, 'done');
        this.#probes.delete(id);
        return this.#entry(id);
      } catch (e) {
        emit(last, 'failed', e instanceof Error ? e.message : String(e));
        // Unreachable now: the plan says so (the short reason) without asking the server again.
        if (e instanceof WeightsUnavailableError)
          this.#probes.set(id, {
            at: Date.now(),
            result: Promise.resolve({ reachable: false, reason: e.reason }),
          });
        throw e;
      }
    })().finally(() => this.#downloads.delete(id));
    this.#downloads.set(id, task);
    return task;
  }

  /** The weights a preset starts from and whether a run can have them now. */
  async availability(preset: string): Promise<WeightsAvailability | null> {
    const weights = this.#catalog.find((w) => w.preset === preset);
    if (!weights) return null;
    if (this.cache.pathOf(weights.id)) return { weights, state: 'cached', reason: null };
    let probe = this.#probes.get(weights.id);
    if (!probe || Date.now() - probe.at > PROBE_TTL_MS) {
      probe = {
        at: Date.now(),
        result: probeWeightsUrl(weights, { timeoutMs: PROBE_TIMEOUT_MS, mirror: this.#mirror }),
      };
      this.#probes.set(weights.id, probe);
    }
    const r = await probe.result;
    return r.reachable
      ? { weights, state: 'fetchable', reason: null }
      : { weights, state: 'unavailable', reason: r.reason ?? 'the server cannot be reached' };
  }

  /** The cached file of weights a run starts from; downloads them first when they are not here. */
  async fileFor(id: string): Promise<string> {
    const have = this.cache.pathOf(id);
    if (have) return have;
    await this.download(id);
    const file = this.cache.pathOf(id);
    if (!file)
      throw new AppError('io_error', `The ${id} weights were downloaded but are not in the weights folder.`);
    return file;
  }
}

export function weightsHandlers(
  service: WeightsService,
): Pick<Handlers, 'weights.list' | 'weights.import' | 'weights.download'> {
  return {
    'weights.list': () => service.list(),
    'weights.import': ({ path: file, id }) => service.import(file, id),
    'weights.download': ({ id }) => service.download(id),
  };
}
