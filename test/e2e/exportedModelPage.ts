// A web page that uses an exported model as a web developer would: bundled (esbuild, for the
// browser) with @tensorflow/tfjs-core and the WebAssembly backend, served over HTTP with the model's
// folder and the backend's .wasm files. `window.detect(url)` loads an image and returns its boxes.
import { build } from 'esbuild';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ROOT } from './harness';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

const ENTRY = `
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadDetector, pixelsOf } from './model/detector.mjs';

window.detect = async (url) => {
  setWasmPaths('/wasm/');
  await tf.setBackend('wasm');
  const detector = await loadDetector('/model/');
  const img = new Image();
  img.src = url;
  await img.decode();
  const boxes = await detector.detect(pixelsOf(img));
  detector.dispose();
  return { backend: tf.getBackend(), boxes };
};
`;

/**
 * Serves `dir` (its `model/` holds the exported model; it must sit below this repository, whose
 * node_modules the bundle resolves from) with the page; `files` adds more paths (URL path → file).
 */
export async function serveModelPage(
  dir: string,
  files: Record<string, string>,
): Promise<{ url: string; close(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'entry.mjs'), ENTRY);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(dir, 'entry.mjs')],
    outfile: path.join(dir, 'page.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'warning',
  });
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/page.js"></script>',
  );
  const wasmDir = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = decodeURIComponent(url.pathname);
    const file =
      files[p] ??
      (p.startsWith('/wasm/')
        ? path.join(wasmDir, path.basename(p))
        : path.join(dir, p === '/' ? 'index.html' : path.normalize(p)));
    if (!file.startsWith(dir) && !file.startsWith(wasmDir) && !Object.values(files).includes(file)) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
