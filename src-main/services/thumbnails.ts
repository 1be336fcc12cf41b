import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { writeThumbnail } from '../imaging/thumbnail';
import { Semaphore } from './concurrency';

/**
 * Thumbnails in `<project>.dwproj-data/thumbs/`, made on first request. They are named by content
 * (sha256), so a re-added or moved image finds its thumbnail and a removed one can never show up under
 * another image. Two at a time: these machines have few cores and the UI must stay responsive.
 */
export class ThumbnailCache {
  readonly #dir: string;
  readonly #limit = new Semaphore(2);
  readonly #pending = new Map<string, Promise<string>>();

  constructor(dataDir: string) {
    this.#dir = path.join(dataDir, 'thumbs');
  }

  pathFor(sha256: string): string {
    return path.join(this.#dir, sha256.slice(0, 2), `${sha256}.webp`);
  }

  /** The thumbnail's path, made first if needed. Rejects with UnreadableImageError if the image does not decode. */
  get(source: string, sha256: string): Promise<string> {
    const dest = this.pathFor(sha256);
    if (existsSync(dest)) return Promise.resolve(dest);
    let p = this.#pending.get(sha256);
    if (!p) {
      p = this.#limit
        .run(() => writeThumbnail(source, dest))
        .then(() => dest)
        .finally(() => this.#pending.delete(sha256));
      this.#pending.set(sha256, p);
    }
    return p;
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathFor(sha256), { force: true });
  }

  /** Resolves when no thumbnail is being made. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending.values()]);
  }
}
