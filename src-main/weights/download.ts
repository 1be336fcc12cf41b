// Downloads a catalog weights file into the cache: to `<fileName>.part`, resuming an interrupted one
// with a Range request, retrying a dropped connection from the bytes on disk, and renaming it into
// place only once its size and SHA-256 are the catalog's. node:http(s) rather than fetch: every
// stage of a connection (refused, cut mid-body, silent) is seen and told apart.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../shared/errors';
import type { PretrainedWeights } from '../shared/pretrained';
import {
  exactBytes,
  fileSize,
  finalPath,
  fsyncDir,
  fsyncFile,
  partPath,
  sha256File,
  WeightsCache,
  WeightsMismatchError,
  writeSidecar,
} from './cache';

export interface DownloadProgress {
  /** Bytes of the file on disk so far (a resumed download starts from what it had); never decreases. */
  received: number;
  total: number;
  /** Over the last few seconds. */
  bytesPerSecond: number;
}

export interface DownloadOptions {
  /** At most 10 a second, and a last one when the file is complete. */
  onProgress?: (p: DownloadProgress) => void;
  /** Stops the download; the bytes received stay in the `.part` file for the next one to resume. */
  signal?: AbortSignal;
  /** How many times a connection that dropped or went silent is tried again (default 3). */
  retries?: number;
  /** Base address replacing everything before the file name (an offline mirror). */
  mirror?: string;
  /** A connection that sends nothing for this long counts as dropped (default 30 s). */
  idleTimeoutMs?: number;
  /** The first wait before trying again; it doubles on each retry (default 500 ms). */
  retryDelayMs?: number;
}

export type ProbeResult = { reachable: true } | { reachable: false; reason: string };

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const PROGRESS_EVERY_MS = 100;
const SPEED_WINDOW_MS = 5_000;
const USER_AGENT = 'DW-Studio';

/** The weights cannot be downloaded from here: says why, and how to add the file by hand. */
export class WeightsUnavailableError extends AppError {
  constructor(
    readonly weights: PretrainedWeights,
    /** The address that was tried. */
    readonly url: string,
    /** What failed, in words. */
    readonly reason: string,
  ) {
    super('io_error', unavailableMessage(weights, url, reason));
    this.name = 'WeightsUnavailableError';
  }
}

function unavailableMessage(w: PretrainedWeights, url: string, reason: string): string {
  const from = url === w.url ? '' : ` from ${url}`;
  return (
    `Could not download ${w.title}${from}: ${reason}. ` +
    `Download ${w.url} (${exactBytes(w.bytes)}, SHA-256 ${w.sha256}) on a computer that can reach it, ` +
    `then add the file here with Settings → "Import weights file…" or with \`dw-studio weights import <file>\`.`
  );
}

/** Where the file is fetched from: its catalog address, or the same file name under `mirror`. */
export function weightsUrl(w: PretrainedWeights, mirror?: string): string {
  if (!mirror) return w.url;
  let base: URL | null = null;
  try {
    base = new URL(mirror.endsWith('/') ? mirror : `${mirror}/`);
  } catch {
    // reported below
  }
  if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:'))
    throw new AppError('invalid_request', `The weights mirror "${mirror}" is not an http(s) address`);
  const name = new URL(w.url).pathname.split('/').pop() || encodeURIComponent(w.fileName);
  return new URL(`./${name}`, base).href;
}

/**
 * Downloads `entry` into `cacheDir` and returns the file's path there (at once when it is cached
 * already). Fails with `WeightsUnavailableError` when the address cannot be reached, with
 * `WeightsMismatchError` when what arrived is not the file, and with `AppError('cancelled')` when
 * `signal` stops it.
 */
export async function downloadWeights(
  entry: PretrainedWeights,
  cacheDir: string,
  options: DownloadOptions = {},
): Promise<string> {
  const cached = new WeightsCache(cacheDir, [entry]).pathOf(entry.id);
  if (cached) {
    options.onProgress?.({ received: entry.bytes, total: entry.bytes, bytesPerSecond: 0 });
    return cached;
  }
  const url = weightsUrl(entry, options.mirror);
  if (options.signal?.aborted) throw cancelled(entry, 0);
  await fs.mkdir(cacheDir, { recursive: true });
  const lock = await DownloadLock.take(cacheDir, entry);
  try {
    return await new Download(entry, cacheDir, url, options, lock).run();
  } finally {
    await lock.release();
  }
}

/**
 * Whether the weights can be fetched from here: a HEAD request (redirects followed) answered within
 * `timeoutMs`. Never throws.
 */
export async function probeWeightsUrl(
  entry: PretrainedWeights,
  options: { timeoutMs?: number; mirror?: string } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let url: string;
  try {
    url = weightsUrl(entry, options.mirror);
  } catch (e) {
    return { reachable: false, reason: (e as Error).message };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const opened: http.IncomingMessage[] = [];
  const state = { timedOut: false };
  const request = { signal: controller.signal, idleTimeoutMs: timeoutMs, state };
  try {
    let res = await open(url, { ...request, method: 'HEAD', headers: {} });
    opened.push(res);
    const head = res.statusCode !== 405 && res.statusCode !== 501;
    if (!head) {
      // No HEAD here: ask for the first byte instead.
      res = await open(url, { ...request, method: 'GET', headers: { range: 'bytes=0-0' } });
      opened.push(res);
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) return { reachable: false, reason: httpReason(res) };
    const length = Number(res.headers['content-length']);
    if (head && status === 200 && Number.isFinite(length) && length !== entry.bytes)
      return { reachable: false, reason: wrongSize(url, length, entry) };
    return { reachable: true };
  } catch (e) {
    const host = new URL(url).host;
    if (controller.signal.aborted)
      return { reachable: false, reason: `${host} did not answer within ${seconds(timeoutMs)}` };
    return { reachable: false, reason: describeNetError(e, url, state, false, timeoutMs) };
  } finally {
    clearTimeout(timer);
    for (const res of opened) res.destroy();
  }
}

/** A failed attempt: what to tell the user, and whether trying again may help. */
class AttemptFailed extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
  ) {
    super(reason);
  }
}

interface Hashed {
  hash: Hash;
  /** How many bytes of the `.part` file went into `hash`. */
  bytes: number;
}

class Download {
  readonly #part: string;
  readonly #retries: number;
  readonly #idleMs: number;
  readonly #delayMs: number;
  readonly #progress: Progress;
  /** Bytes received over the network in this call (whatever happened to them). */
  #fetched = 0;

  constructor(
    readonly entry: PretrainedWeights,
    readonly dir: string,
    readonly url: string,
    readonly options: DownloadOptions,
    readonly lock: DownloadLock,
  ) {
    this.#part = partPath(dir, entry);
    this.#retries = Math.max(0, options.retries ?? 3);
    this.#idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#delayMs = options.retryDelayMs ?? 500;
    this.#progress = new Progress(entry.bytes, options.onProgress);
  }

  async run(): Promise<string> {
    let hashed: Hashed | null = null;
    let failures = 0;
    for (;;) {
      this.#checkAborted();
      let onDisk = fileSize(this.#part) ?? 0;
      if (onDisk > this.entry.bytes) {
        await fs.rm(this.#part, { force: true });
        onDisk = 0;
      }
      // Resuming from bytes this call did not write itself (or did not all write): hash them again.
      if (!hashed || hashed.bytes !== onDisk) hashed = await hashFile(this.#part, onDisk);
      if (hashed.bytes === this.entry.bytes) return this.#finish(hashed);
      try {
        hashed = await this.#attempt(hashed);
      } catch (e) {
        if (!(e instanceof AttemptFailed)) throw e;
        if (!e.retryable) throw this.#unavailable(e.reason);
        failures += 1;
        if (failures > this.#retries) {
          const kept = fileSize(this.#part) ?? 0;
          throw this.#unavailable(
            `${e.reason} (tried ${failures} times` +
              (kept > 0
                ? `; the ${exactBytes(kept)} received so far are kept, and the next download resumes from them)`
                : ')'),
          );
        }
        await sleep(this.#delayMs * 2 ** (failures - 1), this.options.signal);
      }
    }
  }

  /** One request: appends what arrives to the `.part`. Returns the hash state of the file on disk. */
  async #attempt(hashed: Hashed): Promise<Hashed> {
    const { entry, url } = this;
    const from = hashed.bytes;
    const state = { timedOut: false };
    let res: http.IncomingMessage;
    try {
      res = await open(url, {
        method: 'GET',
        headers: from > 0 ? { range: `bytes=${from}-` } : {},
        signal: this.options.signal,
        idleTimeoutMs: this.#idleMs,
        state,
      });
    } catch (e) {
      this.#checkAborted();
      if (e instanceof AttemptFailed) throw e;
      // Before any byte arrived in this call, the address is taken as unreachable; after, as a hiccup.
      throw new AttemptFailed(describeNetError(e, url, state, false, this.#idleMs), this.#fetched > 0);
    }

    const status = res.statusCode ?? 0;
    let append: boolean;
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      const total = Number(range?.[3]);
      if (Number.isFinite(total) && total !== entry.bytes) return this.#wrongFile(res, total);
      const start = Number(range?.[1]);
      if (start !== from && start !== 0) {
        res.destroy();
        throw new AttemptFailed(
          `${new URL(url).host} sent the bytes from ${range ? start : '(not said)'} when asked for those from ${from}`,
          true,
        );
      }
      append = start === from;
    } else if (status === 200) {
      const length = Number(res.headers['content-length']);
      if (Number.isFinite(length) && length !== entry.bytes) return this.#wrongFile(res, length);
      // The server ignored the range (or none was asked): the body is the whole file.
      append = from === 0;
    } else if (status === 416 && from > 0) {
      // The server has no bytes past ours: a complete part is checked as it is, else start over.
      res.resume();
      if (from === entry.bytes) return hashed;
      await fs.rm(this.#part, { force: true });
      return freshHash();
    } else {
      res.resume();
      throw new AttemptFailed(httpReason(res), status >= 500 || status === 429);
    }

    const current = append ? hashed : freshHash();
    this.#progress.tick(current.bytes);
    const limit = entry.bytes;
    let tooLong = false;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        if (current.bytes + chunk.length > limit) {
          tooLong = true;
          done(new Error('more bytes than the file has'));
          return;
        }
        current.hash.update(chunk);
        current.bytes += chunk.length;
        this.#fetched += chunk.length;
        this.#progress.tick(current.bytes);
        this.lock.touch();
        done(null, chunk);
      },
    });
    const out = createWriteStream(this.#part, { flags: append ? 'a' : 'w' });
    try {
      await pipeline(res, meter, out);
    } catch (e) {
      await closed(out);
      this.#checkAborted();
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (DISK_ERRORS.has(code))
        throw new AppError(
          'io_error',
          `Cannot write ${this.#part}: ${code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : (e as Error).message}`,
        );
      if (tooLong) {
        await fs.rm(this.#part, { force: true });
        throw new WeightsMismatchError(
          `${url} sent more than the ${exactBytes(limit)} of ${entry.title}: it serves another file ` +
            `(expected SHA-256 ${entry.sha256}); the download was deleted`,
          entry.sha256,
          null,
        );
      }
      throw new AttemptFailed(describeNetError(e, url, state, true, this.#idleMs), true);
    }
    await closed(out);
    if (current.bytes < limit)
      throw new AttemptFailed(
        `${new URL(url).host} ended the transfer after ${exactBytes(current.bytes)} of ${exactBytes(limit)}`,
        true,
      );
    return current;
  }

  /** The whole file is in the `.part`: checks its hash and renames it into place. */
  async #finish(hashed: Hashed): Promise<string> {
    const { entry } = this;
    const size = fileSize(this.#part);
    const actual = size === hashed.bytes ? hashed.hash.digest('hex') : (await sha256File(this.#part)).sha256;
    if (actual !== entry.sha256) {
      await fs.rm(this.#part, { force: true });
      throw new WeightsMismatchError(
        `The file downloaded from ${this.url} is not ${entry.title}: its SHA-256 is ${actual}, expected ` +
          `${entry.sha256} (${exactBytes(entry.bytes)}); it was deleted. Try again, or download ${entry.url} ` +
          'elsewhere and import it',
        entry.sha256,
        actual,
      );
    }
    const target = finalPath(this.dir, entry);
    await fsyncFile(this.#part);
    await fs.rename(this.#part, target);
    await writeSidecar(this.dir, entry);
    await fsyncDir(this.dir);
    this.#progress.finish();
    return target;
  }

  /** The server's file is not the catalog's size: nothing of it is worth keeping. */
  async #wrongFile(res: http.IncomingMessage, size: number): Promise<never> {
    res.destroy();
    await fs.rm(this.#part, { force: true });
    throw new WeightsMismatchError(
      `${wrongSize(this.url, size, this.entry)}; nothing was kept`,
      this.entry.sha256,
      null,
    );
  }

  #unavailable(reason: string): WeightsUnavailableError {
    return new WeightsUnavailableError(this.entry, this.url, reason);
  }

  #checkAborted(): void {
    if (this.options.signal?.aborted) throw cancelled(this.entry, fileSize(this.#part) ?? 0);
  }
}

function cancelled(entry: PretrainedWeights, kept: number): AppError {
  return new AppError(
    'cancelled',
    `The download of ${entry.title} was stopped` +
      (kept > 0
        ? `; the ${exactBytes(kept)} received are kept, and the next download resumes from them`
        : ''),
  );
}

function wrongSize(url: string, size: number, entry: PretrainedWeights): string {
  return (
    `${url} serves a file of ${exactBytes(size)}, not the ${exactBytes(entry.bytes)} of ${entry.title} ` +
    `(SHA-256 ${entry.sha256}): the address holds another file`
  );
}

function freshHash(): Hashed {
  return { hash: createHash('sha256'), bytes: 0 };
}

/** A hash fed with the first `bytes` of `file` (all of it there is, when shorter). */
async function hashFile(file: string, bytes: number): Promise<Hashed> {
  const hashed = freshHash();
  if (bytes === 0) return hashed;
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) {
    hashed.hash.update(chunk as Buffer);
    hashed.bytes += (chunk as Buffer).length;
  }
  return hashed;
}

/** Waits until the stream's file is closed: all its writes are on disk, and it can be renamed. */
async function closed(out: WriteStream): Promise<void> {
  if (out.closed) return;
  await new Promise<void>((resolve) => out.once('close', () => resolve()));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface OpenOptions {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** The socket may stay silent this long, while connecting and while the body arrives. */
  idleTimeoutMs: number;
  /** Set when the idle timeout cut the connection. */
  state: { timedOut: boolean };
}

/** Sends the request and follows up to 5 redirects; resolves with the final response. */
async function open(url: string, options: OpenOptions): Promise<http.IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await openOnce(current, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || !location) return res;
    res.destroy();
    if (hop >= MAX_REDIRECTS)
      throw new AttemptFailed(`the server redirected more than ${MAX_REDIRECTS} times`, false);
    current = new URL(location, current).href;
  }
}

function openOnce(url: string, options: OpenOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const client = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!client) {
      reject(new AttemptFailed(`${u.protocol} addresses cannot be downloaded`, false));
      return;
    }
    const req = client.request(u, {
      method: options.method,
      headers: { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...options.headers },
      // One connection per request: nothing stays open once the download is done.
      agent: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.setTimeout(options.idleTimeoutMs, () => {
      options.state.timedOut = true;
      req.destroy(new Error('timed out'));
    });
    req.once('response', resolve);
    // Kept after the response: the socket's later errors (a cut, the idle timeout) come here too.
    req.on('error', reject);
    req.end();
  });
}

function httpReason(res: http.IncomingMessage): string {
  const status = res.statusCode ?? 0;
  const text = res.statusMessage || http.STATUS_CODES[status] || '';
  return `the server answered HTTP ${status}${text ? ` ${text}` : ''}`;
}

/** Failures of the `.part` file itself, not of the connection. */
const DISK_ERRORS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'EIO',
  'EISDIR',
  'ENOTDIR',
  'EMFILE',
  'ENFILE',
]);

const OFFLINE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETDOWN']);

/** What went wrong with a connection, in plain words. */
function describeNetError(
  e: unknown,
  url: string,
  state: { timedOut: boolean },
  midBody: boolean,
  idleMs: number,
): string {
  if (e instanceof AttemptFailed) return e.reason;
  const u = new URL(url);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (state.timedOut)
    return midBody
      ? `no data arrived from ${u.host} for ${seconds(idleMs)}`
      : `${u.host} did not answer within ${seconds(idleMs)}`;
  if (code === 'ENOTFOUND')
    return `the name ${u.hostname} could not be found (this computer may be offline, or the name does not exist)`;
  if (code === 'EAI_AGAIN')
    return `the name ${u.hostname} could not be looked up (this computer seems to be offline)`;
  if (code === 'ECONNREFUSED') return `${u.host} refused the connection (nothing answers at that address)`;
  if (OFFLINE.has(code)) return `the network cannot reach ${u.hostname} (this computer seems to be offline)`;
  if (code === 'ETIMEDOUT') return `the connection to ${u.host} timed out`;
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/.test(code))
    return (
      `the secure connection to ${u.hostname} could not be trusted (${code}); ` +
      'a proxy or firewall that intercepts HTTPS may be in the way'
    );
  if (midBody || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE')
    return `the connection to ${u.host} was cut`;
  return `${(e as Error).message || String(e)}${code ? ` (${code})` : ''}`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** Throttled, never-decreasing progress with the speed over the last few seconds. */
class Progress {
  #lastAt = 0;
  #last = 0;
  readonly #started = Date.now();
  #fetched = 0;
  #previous = -1;
  /** (time, bytes fetched) at each event, for the speed. */
  readonly #samples: [number, number][] = [];

  constructor(
    readonly total: number,
    readonly listener: ((p: DownloadProgress) => void) | undefined,
  ) {}

  tick(received: number): void {
    if (received > this.#previous && this.#previous >= 0) this.#fetched += received - this.#previous;
    this.#previous = received;
    if (!this.listener) return;
    const now = Date.now();
    if (this.#lastAt !== 0 && now - this.#lastAt < PROGRESS_EVERY_MS) return;
    this.#samples.push([now, this.#fetched]);
    while (this.#samples.length > 1 && now - this.#samples[0]![0] > SPEED_WINDOW_MS) this.#samples.shift();
    const [t0, f0] = this.#samples[0]!;
    const speed = now - t0 >= 200 ? ((this.#fetched - f0) * 1000) / (now - t0) : 0;
    this.#emit(received, speed, now);
  }

  finish(): void {
    const elapsed = Date.now() - this.#started;
    this.#emit(this.total, elapsed > 0 ? (this.#fetched * 1000) / elapsed : 0, Date.now());
  }

  #emit(received: number, bytesPerSecond: number, now: number): void {
    this.#last = Math.max(this.#last, Math.min(received, this.total));
    this.#lastAt = now;
    this.listener?.({ received: this.#last, total: this.total, bytesPerSecond: Math.round(bytesPerSecond) });
  }
}

/**
 * `<fileName>.lock`: one download of a file at a time, across the app and the command line. A lock
 * whose process is gone, or that was not renewed for 5 minutes, is taken over.
 */
class DownloadLock {
  static readonly STALE_MS = 5 * 60_000;
  #touchedAt = Date.now();

  private constructor(readonly file: string) {}

  static async take(dir: string, entry: PretrainedWeights): Promise<DownloadLock> {
    const file = path.join(dir, `${entry.fileName}.lock`);
    for (let tries = 0; ; tries++) {
      try {
        await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
        return new DownloadLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const [text, stat] = await Promise.all([
        fs.readFile(file, 'utf8').catch(() => ''),
        fs.stat(file).catch(() => null),
      ]);
      const pid = Number.parseInt(text, 10);
      const fresh = stat !== null && Date.now() - stat.mtimeMs < DownloadLock.STALE_MS;
      if (tries === 0 && fresh && Number.isInteger(pid) && alive(pid))
        throw new AppError(
          'conflict',
          `${entry.title} is being downloaded already (process ${pid}); wait for that download to finish`,
        );
      if (tries > 0)
        throw new AppError('conflict', `${entry.title} is being downloaded already; try again in a moment`);
      await fs.rm(file, { force: true });
    }
  }

  /** Renews the lock about once a minute while bytes arrive. */
  touch(): void {
    const now = Date.now();
    if (now - this.#touchedAt < 60_000) return;
    this.#touchedAt = now;
    const t = new Date(now);
    fs.utimes(this.file, t, t).catch(() => {});
  }

  async release(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
