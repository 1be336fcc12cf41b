import type { WeightsEntry, WeightsProgress } from '../../../src-main/shared/api/weights';
import type { ApiClient } from '../api';

/**
 * The ImageNet weights the detector can start from (Settings lists them, Train downloads them): what
 * the weights folder holds, the download in progress, and the last refusal of an imported file.
 */
export class WeightsState {
  entries = $state.raw<WeightsEntry[]>([]);
  /** The latest progress of each download in this session, by weights id. */
  progress = $state.raw<Record<string, WeightsProgress>>({});
  /** Why the last import or download failed (expected and actual hash, or where to fetch the file). */
  problem = $state<string | null>(null);
  /** What the last import added, for the user to see. */
  imported = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly api: ApiClient) {
    api.on('weights.progress', (p) => {
      this.progress = { ...this.progress, [p.id]: p };
      if (p.state !== 'running') void this.refresh();
    });
  }

  /** The download shown in a progress bar: the one running now, if any. */
  get downloading(): WeightsProgress | null {
    return Object.values(this.progress).find((p) => p.state === 'running') ?? null;
  }

  async refresh(): Promise<void> {
    try {
      this.entries = await this.api.call('weights.list');
    } catch (e) {
      this.problem = e instanceof Error ? e.message : String(e);
    }
  }

  async importFile(path: string): Promise<void> {
    this.busy = true;
    this.problem = null;
    this.imported = null;
    try {
      const w = await this.api.call('weights.import', { path });
      this.imported = `Imported ${w.title} (SHA-256 ${w.sha256}).`;
      await this.refresh();
    } catch (e) {
      this.problem = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }

  async download(id: string): Promise<void> {
    this.problem = null;
    try {
      await this.api.call('weights.download', { id });
    } catch (e) {
      this.problem = e instanceof Error ? e.message : String(e);
    }
    await this.refresh();
  }
}
