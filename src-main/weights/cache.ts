// The weights cache, one folder shared by every project (<user data>/weights): each catalog file under
// its published name, beside it `<fileName>.sha256` (the hash it was verified against, in the format
// `sha256sum -c` reads), and while a download is under way or was interrupted, `<fileName>.part`.
// A file is trusted when its size is the catalog's and its record names the catalog's hash; the
// record is only written after the whole file was hashed (download, import, verify), and files only
// ever arrive by an atomic rename, so a half-written file never looks cached.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../shared/errors';
import { PRETRAINED, type PretrainedWeights } from '../shared/pretrained';

export type CacheState = 'cached' | 'partial' | 'missing';

export interface CacheEntry {
  weights: PretrainedWeights;
  state: CacheState;
  /** The verified file, when cached. */
  path: string | null;
  /** Bytes of an interrupted download (`<fileName>.part`), else 0. */
  partialBytes: number;
}

export interface ImportResult {
  weights: PretrainedWeights;
  /** The file in the cache. */
  path: string;
  sha256: string;
  /** The cache held this file, verified, already: nothing was copied. */
  alreadyCached: boolean;
}

export type VerifyResult =
  | { ok: true; weights: PretrainedWeights; path: string; sha256: string }
  | {
      ok: false;
      weights: PretrainedWeights;
      /** The file checked, or null when the cache has none. */
      path: string | null;
      /** Its SHA-256, or null when there was no file to hash. */
      actual: string | null;
      message: string;
    };

/** A file whose SHA-256 (or size) is not that of the weights it should be. */
export class WeightsMismatchError extends AppError {
  constructor(
    message: string,
    /** The SHA-256 it should have, when one entry was meant. */
    readonly expected: string | null,
    /** Its SHA-256, when the whole file was there to hash. */
    readonly actual: string | null,
  ) {
    super('invalid_data', message);
    this.name = 'WeightsMismatchError';
  }
}

export class WeightsCache {
  constructor(
    readonly dir: string,
    readonly catalog: readonly PretrainedWeights[] = PRETRAINED,
  ) {}

  /** Every catalog entry with what the cache holds of it. */
  list(): CacheEntry[] {
    return this.catalog.map((weights) => {
      const cached = trustedFile(this.dir, weights);
      const partialBytes = fileSize(partPath(this.dir, weights)) ?? 0;
      return {
        weights,
        state: cached ? 'cached' : partialBytes > 0 ? 'partial' : 'missing',
        path: cached,
        partialBytes,
      };
    });
  }

  /** The catalog entry with this id; throws naming the known ids when there is none. */
  entry(id: string): PretrainedWeights {
    const found = this.catalog.find((w) => w.id === id);
    if (!found)
      throw new AppError(
        'not_found',
        `No weights have the id "${id}"; known: ${this.catalog.map((w) => w.id).join(', ')}`,
      );
    return found;
  }

  /** The cached, verified file of these weights, or null (also for an id the catalog does not have). */
  pathOf(id: string): string | null {
    const weights = this.catalog.find((w) => w.id === id);
    return weights ? trustedFile(this.dir, weights) : null;
  }

  /**
   * Hashes the cached file again. A match records it as verified (this is also how a file copied into
   * the folder by hand is taken up); a mismatch removes the record, so the file is no longer trusted
   * and the next download or import replaces it.
   */
  async verify(id: string): Promise<VerifyResult> {
    const weights = this.entry(id);
    const file = finalPath(this.dir, weights);
    if (fileSize(file) === null)
      return {
        ok: false,
        weights,
        path: null,
        actual: null,
        message: `${weights.title} is not in the cache`,
      };
    const { sha256, bytes } = await sha256File(file);
    if (sha256 === weights.sha256 && bytes === weights.bytes) {
      await writeSidecar(this.dir, weights);
      return { ok: true, weights, path: file, sha256 };
    }
    await fs.rm(sidecarPath(this.dir, weights), { force: true });
    return {
      ok: false,
      weights,
      path: file,
      actual: sha256,
      message:
        `${file} is damaged: its SHA-256 is ${sha256}, expected ${weights.sha256} ` +
        `(${bytes.toLocaleString('en-US')} bytes, expected ${exactBytes(weights.bytes)}); ` +
        'download or import it again',
    };
  }

  /**
   * Copies a weights file the user fetched elsewhere into the cache, after checking its SHA-256
   * against the entry `id`, or without `id` against every entry. The copy goes to a temporary name
   * beside its place, is flushed to disk and renamed into place: the cache never shows half a file.
   */
  async import(file: string, id?: string): Promise<ImportResult> {
    const expected = id === undefined ? null : this.entry(id);
    const source = path.resolve(file);
    await regularFile(source);
    const { sha256 } = await sha256File(source);
    const weights = expected ?? this.catalog.find((w) => w.sha256 === sha256) ?? null;
    if (!weights)
      throw new WeightsMismatchError(
        `${file} matches none of the known weights files (SHA-256 ${sha256}); known: ` +
          this.catalog.map((w) => `${w.fileName} ${w.sha256}`).join(', '),
        null,
        sha256,
      );
    if (sha256 !== weights.sha256) throw mismatch(file, weights, sha256);

    const cached = trustedFile(this.dir, weights);
    if (cached) return { weights, path: cached, sha256, alreadyCached: true };

    mkdirSync(this.dir, { recursive: true });
    const target = finalPath(this.dir, weights);
    const tmp = tempPath(this.dir, weights);
    try {
      // Hashed again on the way in: the file may have changed since it was checked.
      const hash = createHash('sha256');
      let bytes = 0;
      await pipeline(
        createReadStream(source),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(tmp, { flags: 'wx' }),
      );
      const copied = hash.digest('hex');
      if (copied !== weights.sha256) throw mismatch(file, weights, copied);
      if (bytes !== weights.bytes)
        throw new WeightsMismatchError(
          `${file} has the SHA-256 of ${weights.title} but ${exactBytes(bytes)}, not the catalog's ` +
            `${exactBytes(weights.bytes)}: the catalog entry is wrong`,
          weights.sha256,
          copied,
        );
      await fsyncFile(tmp);
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await writeSidecar(this.dir, weights);
    await fsyncDir(this.dir);
    return { weights, path: target, sha256, alreadyCached: false };
  }
}

function mismatch(file: string, weights: PretrainedWeights, actual: string): WeightsMismatchError {
  return new WeightsMismatchError(
    `${file} is not ${weights.title}: its SHA-256 is ${actual}, expected ${weights.sha256} ` +
      `(${exactBytes(weights.bytes)} from ${weights.url})`,
    weights.sha256,
    actual,
  );
}

/** "46,830,571 bytes" */
export function exactBytes(n: number): string {
  return `${n.toLocaleString('en-US')} bytes`;
}

export function finalPath(dir: string, w: PretrainedWeights): string {
  return path.join(dir, w.fileName);
}

export function partPath(dir: string, w: PretrainedWeights): string {
  return path.join(dir, `${w.fileName}.part`);
}

export function sidecarPath(dir: string, w: PretrainedWeights): string {
  return path.join(dir, `${w.fileName}.sha256`);
}

/** A name for a file being written beside its place: unique per process and call. */
export function tempPath(dir: string, w: PretrainedWeights): string {
  return path.join(dir, `.${w.fileName}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/** The cached file when its size and its verification record are the catalog's, else null. */
function trustedFile(dir: string, w: PretrainedWeights): string | null {
  const file = finalPath(dir, w);
  if (fileSize(file) !== w.bytes) return null;
  let record: string;
  try {
    record = readFileSync(sidecarPath(dir, w), 'utf8');
  } catch {
    return null;
  }
  return record.slice(0, 64).toLowerCase() === w.sha256 ? file : null;
}

/** Records that the cached file was hashed and matched (written atomically, like the file). */
export async function writeSidecar(dir: string, w: PretrainedWeights): Promise<void> {
  const tmp = tempPath(dir, w);
  try {
    await fs.writeFile(tmp, `${w.sha256}  ${w.fileName}\n`, { flag: 'wx' });
    await fs.rename(tmp, sidecarPath(dir, w));
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** The size of a regular file, or null when there is none. */
export function fileSize(file: string): number | null {
  try {
    const s = statSync(file);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Streams a file through SHA-256. */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename in the folder durable where the system allows it (not on Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folders cannot be opened or flushed on every platform; the rename is still atomic.
  }
}

async function regularFile(file: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError(
      code === 'ENOENT' ? 'not_found' : 'io_error',
      code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? String(e)})`,
    );
  }
  if (!stat.isFile()) throw new AppError('invalid_data', `${file} is not a file`);
}
