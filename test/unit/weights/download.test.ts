import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PretrainedWeights } from '../../../src-main/shared/pretrained';
import { WeightsCache, WeightsMismatchError } from '../../../src-main/weights/cache';
import {
  downloadWeights,
  probeWeightsUrl,
  weightsUrl,
  WeightsUnavailableError,
  type DownloadProgress,
} from '../../../src-main/weights/download';
import { deterministicBytes, sha256, testWeights } from '../../integration/support/testWeights';

// Every case runs against a real HTTP server on 127.0.0.1, which serves a real PyTorch file (the
// torch.save fixture) with Range support, and can drop, stall, ignore ranges or redirect.
const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/weights/tiny-zip.pth',
);
const FILE = readFileSync(FIXTURE);

const entryFor = (data: Buffer, url: string, fileName = 'tiny-zip.pth'): PretrainedWeights =>
  testWeights('tiny-test', data, { title: 'Tiny test weights', fileName, url, source: 'test fixture' });

interface Seen {
  method: string;
  path: string;
  range: string | undefined;
}

interface Server {
  base: string;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => unknown;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<Server> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', range: req.headers.range });
    void handler(req, res, seen.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const s: Server = {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SendOptions {
  ignoreRange?: boolean;
  /** Cut the connection after this many bytes of the body. */
  dropAfter?: number;
  /** Send this many bytes of the body, then nothing more (the connection stays open). */
  stallAfter?: number;
  chunk?: number;
  delayMs?: number;
}

/** Serves `data` as a file server does: Range requests answered with 206 (or 416 past the end). */
async function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  data: Buffer,
  opts: SendOptions = {},
): Promise<void> {
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && !opts.ignoreRange) {
    start = Number(m[1]);
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': data.length - start,
      'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      'accept-ranges': 'bytes',
    });
  } else {
    res.writeHead(200, { 'content-length': data.length, 'accept-ranges': 'bytes' });
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = data.subarray(start);
  const stop = Math.min(body.length, opts.dropAfter ?? opts.stallAfter ?? body.length);
  const chunk = opts.chunk ?? 64 * 1024;
  for (let i = 0; i < stop; i += chunk) {
    await new Promise<void>((resolve) =>
      res.write(body.subarray(i, Math.min(i + chunk, stop)), () => resolve()),
    );
    if (opts.delayMs) await pause(opts.delayMs);
  }
  if (opts.dropAfter !== undefined) {
    await pause(30);
    res.socket?.destroy();
  } else if (opts.stallAfter === undefined) {
    res.end();
  }
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dws-weights-dl-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the download to fail');
}

function expectCached(entry: PretrainedWeights, file: string, data: Buffer): void {
  expect(file).toBe(path.join(dir, entry.fileName));
  expect(readFileSync(file).equals(data)).toBe(true);
  expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${entry.sha256}  ${entry.fileName}\n`);
  expect(readdirSync(dir).sort()).toEqual([entry.fileName, `${entry.fileName}.sha256`]);
  expect(new WeightsCache(dir, [entry]).pathOf(entry.id)).toBe(file);
}

function expectMonotonic(events: DownloadProgress[], total: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++)
    expect(events[i]!.received).toBeGreaterThanOrEqual(events[i - 1]!.received);
  expect(events.every((e) => e.total === total && e.received <= total && e.bytesPerSecond >= 0)).toBe(true);
  expect(events.at(-1)!.received).toBe(total);
}

describe('downloadWeights', () => {
  it('downloads the whole file, reports progress up to the total, and records it as verified', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE));
    const entry = entryFor(FILE, `${server.base}/models/tiny-zip.pth`);
    const events: DownloadProgress[] = [];
    const file = await downloadWeights(entry, dir, { onProgress: (p) => events.push(p) });
    expectCached(entry, file, FILE);
    expectMonotonic(events, FILE.length);
    expect(server.seen).toEqual([{ method: 'GET', path: '/models/tiny-zip.pth', range: undefined }]);

    // Cached: no second request.
    expect(await downloadWeights(entry, dir)).toBe(file);
    expect(server.seen).toHaveLength(1);
  });

  it('throttles progress to at most 10 events a second, plus the last', async () => {
    const data = deterministicBytes(1_000_000, 7);
    const server = await serve((req, res) => sendFile(req, res, data, { chunk: 50_000, delayMs: 30 }));
    const entry = entryFor(data, `${server.base}/big.pth`, 'big.pth');
    const events: (DownloadProgress & { at: number })[] = [];
    const started = Date.now();
    await downloadWeights(entry, dir, { onProgress: (p) => events.push({ ...p, at: Date.now() }) });
    const elapsed = Date.now() - started;
    expectMonotonic(events, data.length);
    expect(events.length).toBeGreaterThan(2);
    expect(events.length).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 2);
    for (let i = 1; i < events.length - 1; i++)
      expect(events[i]!.at - events[i - 1]!.at).toBeGreaterThanOrEqual(95);
    expect(events.some((e) => e.bytesPerSecond > 0)).toBe(true);
  });

  it('resumes with a Range request when the connection drops mid-body', async () => {
    const cut = Math.floor(FILE.length / 2);
    const server = await serve((req, res, i) => sendFile(req, res, FILE, i === 0 ? { dropAfter: cut } : {}));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    const events: DownloadProgress[] = [];
    const file = await downloadWeights(entry, dir, { retryDelayMs: 10, onProgress: (p) => events.push(p) });
    expect(server.seen.map((s) => s.range)).toEqual([undefined, `bytes=${cut}-`]);
    expectCached(entry, file, FILE);
    expectMonotonic(events, FILE.length);
  });

  it('retries a connection that goes silent mid-body, from the bytes on disk', async () => {
    const cut = Math.floor(FILE.length / 3);
    const server = await serve((req, res, i) => sendFile(req, res, FILE, i === 0 ? { stallAfter: cut } : {}));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    const file = await downloadWeights(entry, dir, { idleTimeoutMs: 300, retryDelayMs: 10 });
    expect(server.seen.map((s) => s.range)).toEqual([undefined, `bytes=${cut}-`]);
    expectCached(entry, file, FILE);
  });

  it('gives up after `retries` drops, keeping the .part for the next download', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE, { dropAfter: 100 }));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    const e = await failure(downloadWeights(entry, dir, { retries: 2, retryDelayMs: 10 }));
    expect(e).toBeInstanceOf(WeightsUnavailableError);
    expect(server.seen.map((s) => s.range)).toEqual([undefined, 'bytes=100-', 'bytes=200-']);
    expect(e.message).toContain('was cut (tried 3 times; the 300 bytes received so far are kept');
    expect(statSync(path.join(dir, 'tiny-zip.pth.part')).size).toBe(300);
  });

  it('resumes across two calls: the first stopped by its AbortSignal leaves a .part', async () => {
    const cut = Math.floor(FILE.length / 2);
    const server = await serve((req, res, i) => sendFile(req, res, FILE, i === 0 ? { stallAfter: cut } : {}));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    const part = path.join(dir, 'tiny-zip.pth.part');
    const controller = new AbortController();
    const first = failure(downloadWeights(entry, dir, { signal: controller.signal }));
    while ((existsSync(part) ? statSync(part).size : 0) < cut) await pause(10);
    // One download of a file at a time.
    const second = await failure(downloadWeights(entry, dir));
    expect(second.message).toBe(
      `Tiny test weights is being downloaded already (process ${process.pid}); wait for that download to finish`,
    );
    controller.abort();
    const stopped = await first;
    expect((stopped as { code?: string }).code).toBe('cancelled');
    expect(stopped.message).toContain(`the ${cut.toLocaleString('en-US')} bytes received are kept`);
    expect(statSync(part).size).toBe(cut);
    expect(new WeightsCache(dir, [entry]).list()[0]).toMatchObject({ state: 'partial', partialBytes: cut });

    const events: DownloadProgress[] = [];
    const file = await downloadWeights(entry, dir, { onProgress: (p) => events.push(p) });
    expect(server.seen.map((s) => s.range)).toEqual([undefined, `bytes=${cut}-`]);
    expect(events[0]!.received).toBe(cut);
    expectCached(entry, file, FILE);
  });

  it('starts over when the server ignores the range and sends the whole file (200)', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE, { ignoreRange: true }));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    // A part that is not the file's start: it must not survive the restart.
    writeFileSync(path.join(dir, 'tiny-zip.pth.part'), Buffer.alloc(500, 0xab));
    const events: DownloadProgress[] = [];
    const file = await downloadWeights(entry, dir, { onProgress: (p) => events.push(p) });
    expect(server.seen.map((s) => s.range)).toEqual(['bytes=500-']);
    expectCached(entry, file, FILE);
    expectMonotonic(events, FILE.length);
  });

  it('checks a complete .part without a request; a 416 for a part of the wrong content starts over', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE));
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    writeFileSync(path.join(dir, 'tiny-zip.pth.part'), FILE);
    expectCached(entry, await downloadWeights(entry, dir), FILE);
    expect(server.seen).toEqual([]);

    // The server's copy is shorter than the part: 416, so the part is dropped and fetched whole.
    const short = await serve((req, res, i) =>
      i === 0 ? sendFile(req, res, FILE.subarray(0, 10)) : sendFile(req, res, FILE),
    );
    const other = { ...entry, url: `${short.base}/tiny-zip.pth` };
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f));
    writeFileSync(path.join(dir, 'tiny-zip.pth.part'), FILE.subarray(0, 20));
    expectCached(other, await downloadWeights(other, dir), FILE);
    expect(short.seen.map((s) => s.range)).toEqual(['bytes=20-', undefined]);
  });

  it('refuses a file whose SHA-256 is not the catalog one: names both hashes and keeps nothing', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE));
    const entry = { ...entryFor(FILE, `${server.base}/tiny-zip.pth`), sha256: 'ab'.repeat(32) };
    const e = await failure(downloadWeights(entry, dir));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.message).toBe(
      `The file downloaded from ${entry.url} is not Tiny test weights: its SHA-256 is ${sha256(FILE)}, ` +
        `expected ${'ab'.repeat(32)} (${FILE.length.toLocaleString('en-US')} bytes); it was deleted. ` +
        `Try again, or download ${entry.url} elsewhere and import it`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses at once a server whose file has another size', async () => {
    const server = await serve((req, res) => sendFile(req, res, FILE));
    const entry = { ...entryFor(FILE, `${server.base}/tiny-zip.pth`), bytes: FILE.length + 1 };
    const e = await failure(downloadWeights(entry, dir));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.message).toContain(
      `serves a file of ${FILE.length.toLocaleString('en-US')} bytes, not the ` +
        `${(FILE.length + 1).toLocaleString('en-US')} bytes of Tiny test weights`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('follows redirects (relative and absolute, 302 and 307), up to 5', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/models/tiny-zip.pth') res.writeHead(302, { location: '/cdn/a' }).end();
      else if (req.url === '/cdn/a')
        res.writeHead(307, { location: `${server.base}/cdn/b/tiny-zip.pth` }).end();
      else if (req.url === '/cdn/b/tiny-zip.pth') void sendFile(req, res, FILE);
      else if (req.url?.startsWith('/loop/'))
        res.writeHead(301, { location: `/loop/${Number(req.url.slice(6)) + 1}` }).end();
      else res.writeHead(404).end();
    });
    const entry = entryFor(FILE, `${server.base}/models/tiny-zip.pth`);
    expectCached(entry, await downloadWeights(entry, dir), FILE);
    expect(server.seen.map((s) => s.path)).toEqual(['/models/tiny-zip.pth', '/cdn/a', '/cdn/b/tiny-zip.pth']);

    const looping = { ...entry, id: 'loop', fileName: 'loop.pth', url: `${server.base}/loop/0` };
    const e = await failure(downloadWeights(looping, dir));
    expect(e).toBeInstanceOf(WeightsUnavailableError);
    expect(e.message).toContain('the server redirected more than 5 times');
  });

  it('downloads from a mirror: its base address with the file name', async () => {
    const server = await serve((req, res) =>
      req.url === '/mirror/weights/tiny-zip.pth' ? sendFile(req, res, FILE) : res.writeHead(404).end(),
    );
    const entry = entryFor(FILE, 'https://download.example.invalid/models/tiny-zip.pth');
    const file = await downloadWeights(entry, dir, { mirror: `${server.base}/mirror/weights` });
    expectCached(entry, file, FILE);
    expect(weightsUrl(entry, 'http://m.example/w/')).toBe('http://m.example/w/tiny-zip.pth');
    expect(weightsUrl(entry, 'http://m.example/w')).toBe('http://m.example/w/tiny-zip.pth');
    expect(weightsUrl(entry)).toBe(entry.url);
    expect(() => weightsUrl(entry, 'ftp://m.example/')).toThrow('is not an http(s) address');
  });

  function expectUnavailable(e: Error, entry: PretrainedWeights, reason: string): void {
    expect(e).toBeInstanceOf(WeightsUnavailableError);
    expect((e as WeightsUnavailableError).url).toBe(entry.url);
    expect(e.message).toBe(
      `Could not download Tiny test weights: ${reason}. Download ${entry.url} ` +
        `(${entry.bytes.toLocaleString('en-US')} bytes, SHA-256 ${entry.sha256}) on a computer that can reach it, ` +
        'then add the file here with Settings → "Import weights file…" or with `dw-studio weights import <file>`.',
    );
    expect(e.message).not.toContain('\n');
    expect(readdirSync(dir)).toEqual([]);
  }

  it('says in one paragraph what failed and how to add the file when nothing listens at the address', async () => {
    const port = await closedPort();
    const entry = entryFor(FILE, `http://127.0.0.1:${port}/models/tiny-zip.pth`);
    const e = await failure(downloadWeights(entry, dir));
    expectUnavailable(e, entry, `127.0.0.1:${port} refused the connection (nothing answers at that address)`);
  });

  it('says so when the host name does not resolve (offline)', async () => {
    const entry = entryFor(FILE, 'http://weights.invalid/models/tiny-zip.pth');
    const e = await failure(downloadWeights(entry, dir));
    expect(e).toBeInstanceOf(WeightsUnavailableError);
    expect(e.message).toMatch(
      /^Could not download Tiny test weights: the name weights\.invalid could not be (found|looked up)/,
    );
    expect(e.message).toContain(entry.url);
    expect(e.message).toContain(`${entry.bytes.toLocaleString('en-US')} bytes`);
    expect(e.message).toContain(entry.sha256);
    expect(e.message).toContain('Settings → "Import weights file…"');
    expect(e.message).toContain('`dw-studio weights import <file>`');
  });

  it('names the mirror that failed and the published address to fetch instead', async () => {
    const port = await closedPort();
    const entry = entryFor(FILE, 'https://download.example.invalid/models/tiny-zip.pth');
    const e = await failure(downloadWeights(entry, dir, { mirror: `http://127.0.0.1:${port}/m/` }));
    expect(e).toBeInstanceOf(WeightsUnavailableError);
    expect((e as WeightsUnavailableError).url).toBe(`http://127.0.0.1:${port}/m/tiny-zip.pth`);
    expect(e.message).toMatch(
      new RegExp(
        `^Could not download Tiny test weights from http://127\\.0\\.0\\.1:${port}/m/tiny-zip\\.pth: .*Download https://download\\.example\\.invalid/models/tiny-zip\\.pth \\(`,
      ),
    );
  });

  it('an HTTP error is unavailable at once; a 5xx is tried again first', async () => {
    const server = await serve((req, res) => res.writeHead(req.url === '/busy.pth' ? 503 : 404).end());
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    expectUnavailable(
      await failure(downloadWeights(entry, dir)),
      entry,
      'the server answered HTTP 404 Not Found',
    );
    expect(server.seen).toHaveLength(1);

    const busy = { ...entry, url: `${server.base}/busy.pth` };
    const e = await failure(downloadWeights(busy, dir, { retries: 1, retryDelayMs: 10 }));
    expectUnavailable(e, busy, 'the server answered HTTP 503 Service Unavailable (tried 2 times)');
    expect(server.seen).toHaveLength(3);
  });

  it('a server that never answers is unavailable after the idle timeout', async () => {
    const server = await serve(() => {});
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    const e = await failure(downloadWeights(entry, dir, { idleTimeoutMs: 200 }));
    expectUnavailable(e, entry, `${server.base.slice(7)} did not answer within 200 ms`);
  });
});

describe('probeWeightsUrl', () => {
  it('is reachable when a HEAD request (after redirects) answers 2xx with the right size', async () => {
    const server = await serve((req, res) =>
      req.url === '/old' ? res.writeHead(308, { location: '/tiny-zip.pth' }).end() : sendFile(req, res, FILE),
    );
    const entry = entryFor(FILE, `${server.base}/old`);
    expect(await probeWeightsUrl(entry, { timeoutMs: 2000 })).toEqual({ reachable: true });
    expect(server.seen.map((s) => `${s.method} ${s.path}`)).toEqual(['HEAD /old', 'HEAD /tiny-zip.pth']);
    expect(await probeWeightsUrl({ ...entry, bytes: 5 }, { timeoutMs: 2000 })).toEqual({
      reachable: false,
      reason: expect.stringContaining(`serves a file of ${FILE.length.toLocaleString('en-US')} bytes`),
    });
    const mirrored = entryFor(FILE, 'https://download.example.invalid/x/tiny-zip.pth');
    expect(await probeWeightsUrl(mirrored, { mirror: server.base })).toEqual({ reachable: true });
  });

  it('asks for one byte where HEAD is not allowed', async () => {
    const server = await serve((req, res) =>
      req.method === 'HEAD' ? res.writeHead(405).end() : sendFile(req, res, FILE),
    );
    const entry = entryFor(FILE, `${server.base}/tiny-zip.pth`);
    expect(await probeWeightsUrl(entry)).toEqual({ reachable: true });
    expect(server.seen.map((s) => [s.method, s.range])).toEqual([
      ['HEAD', undefined],
      ['GET', 'bytes=0-0'],
    ]);
  });

  it('is unreachable, with the reason, when refused, not found, answering an error or silent', async () => {
    const port = await closedPort();
    expect(await probeWeightsUrl(entryFor(FILE, `http://127.0.0.1:${port}/x.pth`))).toEqual({
      reachable: false,
      reason: `127.0.0.1:${port} refused the connection (nothing answers at that address)`,
    });
    expect(await probeWeightsUrl(entryFor(FILE, 'http://weights.invalid/x.pth'))).toEqual({
      reachable: false,
      reason: expect.stringMatching(/^the name weights\.invalid could not be/),
    });
    const server = await serve((req, res) => (req.url === '/silent' ? undefined : res.writeHead(404).end()));
    expect(await probeWeightsUrl(entryFor(FILE, `${server.base}/x.pth`))).toEqual({
      reachable: false,
      reason: 'the server answered HTTP 404 Not Found',
    });
    const started = Date.now();
    expect(await probeWeightsUrl(entryFor(FILE, `${server.base}/silent`), { timeoutMs: 300 })).toEqual({
      reachable: false,
      reason: `${server.base.slice(7)} did not answer within 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
