// Weights files for the tests: deterministic bytes standing in for a file, a catalog entry naming
// them, a catalog file ($DW_STUDIO_WEIGHTS_CATALOG), and a server on 127.0.0.1 standing in for the
// download site ($DW_STUDIO_WEIGHTS_MIRROR).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PretrainedWeights } from '../../../src-main/shared/pretrained';

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `n` bytes from a linear congruential generator seeded with `seed`. */
export function deterministicBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A catalog entry for `data`, named `<id>-<first 8 hex digits of its hash>.pth` as torchvision names files. */
export function testWeights(
  id: string,
  data: Uint8Array,
  over: Partial<PretrainedWeights> = {},
): PretrainedWeights {
  const fileName = `${id}-${sha256(data).slice(0, 8)}.pth`;
  return {
    id,
    preset: 'resnet18',
    title: `Test weights ${id}`,
    fileName,
    url: `https://weights.example.invalid/models/${fileName}`,
    bytes: data.length,
    sha256: sha256(data),
    licence: 'BSD-3-Clause',
    source: 'generated for the tests',
    imagenetTop1: 0,
    ...over,
  };
}

/** Writes `entries` as a catalog file in `dir`; returns its path. */
export function writeCatalog(dir: string, entries: PretrainedWeights[]): string {
  const file = path.join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

export interface FileServer {
  /** http://127.0.0.1:<port>/ */
  base: string;
  /** Every request, in order. */
  requests: { method: string; path: string; range: string | undefined }[];
  close(): Promise<void>;
}

/** Serves `files` (by path, e.g. /models/x.pth) on 127.0.0.1, GET and HEAD, whole files only; 404 else. */
export async function serveFiles(files: Map<string, Uint8Array>): Promise<FileServer> {
  const requests: FileServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', range: req.headers.range });
    const data = files.get(req.url ?? '');
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': data.byteLength, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
