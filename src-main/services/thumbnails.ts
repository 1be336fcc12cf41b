import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { writeDisplayCopy, writeThumbnail } from '../imaging/thumbnail';
import { Semaphore } from './concurrency';

/** Formats the renderer (Chromium) shows as they are; others get a display copy. */
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'bmp']);

/**
 * Files derived from the project's images, in `<project>.dwproj-data/`: thumbnails (thumbs/) and, for
 * formats a browser cannot show, full-size display copies (display/). Made on first request, two at
 * a time (these machines have few cores and the UI must stay responsive). They are named by content
 * (sha256), so a re-added or moved image finds its own, and a removed one never shows under another.
 */
export class ThumbnailCache {
  readonly #dir: string;
  readonly #limit = new Semaphore(2);
  readonly #pending = new Map<string, Promise<string>>();

  constructor(dataDir: string) {
    this.#dir = dataDir;
  }

  pathFor(sha256: string): string {
    return path.join(this.#dir, 'thumbs', sha256.slice(0, 2), `${sha256}.webp`);
  }

  displayPathFor(sha256: string): string {
    return path.join(this.#dir, 'display', sha256.slice(0, 2), `${sha256}.png`);
  }

  /** The thumbnail's path, made first if needed. Rejects with UnreadableImageError if the image does not decode. */
  get(source: string, sha256: string): Promise<string> {
    return this.#make(this.pathFor(sha256), () => writeThumbnail(source, this.pathFor(sha256)));
  }

  /** What the renderer loads for the full image: the file itself, or a display copy of a TIFF. */
  display(source: string, sha256: string, format: string): Promise<string> {
    if (BROWSER_FORMATS.has(format)) return Promise.resolve(source);
    const dest = this.displayPathFor(sha256);
    return this.#make(dest, () => writeDisplayCopy(source, dest));
  }

  async remove(sha256: string): Promise<void> {
    await Promise.all([this.pathFor(sha256), this.displayPathFor(sha256)].map((p) => rm(p, { force: true })));
  }

  /** Resolves when nothing is being made. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending.values()]);
  }

  #make(dest: string, write: () => Promise<void>): Promise<string> {
    if (existsSync(dest)) return Promise.resolve(dest);
    let p = this.#pending.get(dest);
    if (!p) {
      p = this.#limit
        .run(write)
        .then(() => dest)
        .finally(() => this.#pending.delete(dest));
      this.#pending.set(dest, p);
    }
    return p;
  }
}
