// The replica on a GPU through WebGPU: the trainer serves the GPU page on 127.0.0.1 (with a token of
// this launch), opens it in a browser process of its own, and sends it the same requests as a compute
// worker over a WebSocket. The browser closing, crashing or losing its GPU fails what was asked of it
// with the reason, and the next job starts a fresh browser.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BROWSER_STDIO, browserCommand, type BrowserExecutable } from '../compute/browser';
import type { DetectorConfig } from '../detector/config';
import type { SgdOptions } from '../detector/optimizer';
import type { ComputeReport } from '../shared/api/system';
import { makeProfile, removeProfile, sweepProfiles } from './gpuProfile';
import type { FromGpuPage, GpuAdapterInfo, ToGpuPage } from './gpuProtocol';
import type { ReplicaOp, ReplicaOps, ReplicaReply, WeightSource } from './replica';
import type { Replicas } from './replicas';
import { decodeFrame, encodeFrame } from './wire';

type Req<K extends ReplicaOp> = { op: K } & ReplicaOps[K]['req'];

const PAGE = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>DW Studio GPU trainer</title></head>` +
  `<body><script src="${script}"></script></body></html>`;

/** Seconds a browser gets to start and report its adapter. */
const START_TIMEOUT_MS = 60_000;
const STDERR_KEEP = 4096;

export interface GpuStartOptions {
  browser: BrowserExecutable;
  /** The built page script (dist/gpu/gpuTrainer.js). */
  script: string;
  /** Let the browser use a software adapter (SwiftShader): tests only. */
  allowSoftware: boolean;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class GpuReplicas implements Replicas {
  readonly size = 1;
  compute: ComputeReport;
  adapter: GpuAdapterInfo | null = null;
  #socket: WebSocket | null = null;
  #failure: Error | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #stderr = '';
  #closing = false;

  private constructor(
    private readonly server: http.Server,
    private readonly child: ChildProcess,
    private readonly profile: string,
    base: ComputeReport,
  ) {
    this.compute = base;
  }

  /**
   * Serves the page, starts the browser and waits for the page to say which adapter it has. Resolves
   * with the page's replicas (a page whose WebGPU did not start is closed, and the reason thrown).
   */
  static async start(options: GpuStartOptions, base: ComputeReport): Promise<GpuReplicas> {
    const token = randomBytes(16).toString('hex');
    const script = readFileSync(options.script);
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.searchParams.get('token') !== token && url.pathname !== '/gpuTrainer.js') {
        res.writeHead(401).end();
      } else if (url.pathname === '/') {
        res
          .writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
          .end(PAGE('/gpuTrainer.js'));
      } else if (url.pathname === '/gpuTrainer.js') {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script);
      } else res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 30 });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/gpu' || url.searchParams.get('token') !== token) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sweepProfiles();
    const profile = makeProfile();
    const url = `http://127.0.0.1:${port}/?token=${token}`;
    const child = spawn(
      options.browser.path,
      browserCommand(options.browser, url, profile, options.allowSoftware),
      { stdio: [...BROWSER_STDIO], windowsHide: true },
    );
    // The lifeline's other end: Chromium's DevTools replies (none are asked for) are read and dropped.
    (child.stdio[4] as Readable | null)?.resume();
    const set = new GpuReplicas(server, child, profile, base);
    child.stderr!.on('data', (d: Buffer) => (set.#stderr = (set.#stderr + d.toString()).slice(-STDERR_KEEP)));
    try {
      const hello = await new Promise<Extract<FromGpuPage, { type: 'hello' }>>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`the browser did not open the GPU page within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(
              `the browser stopped before the GPU page was ready (${signal ?? `exit code ${code}`})${set.#lastWords()}`,
            ),
          );
        });
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`the browser could not start: ${e.message}`));
        });
        wss.once('connection', (ws) => {
          set.#socket = ws;
          ws.on('message', (data: Buffer) => {
            const msg = decodeFrame<FromGpuPage>(
              data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
            );
            if (msg.type === 'hello') {
              clearTimeout(timer);
              resolve(msg);
            } else set.#onMessage(msg);
          });
          // A browser that died closes the socket first: give its exit a moment to say how it ended.
          ws.on('close', () =>
            setTimeout(() => set.#fail(new Error(`the GPU page closed${set.#lastWords()}`)), 500),
          );
        });
      });
      set.adapter = hello.adapter;
      if (hello.error) throw new Error(hello.error);
      child.on('exit', (code, signal) =>
        set.#fail(
          new Error(
            `the browser hosting the GPU stopped (${signal ? `killed by ${signal}` : `exit code ${code}`})${set.#lastWords()}`,
          ),
        ),
      );
      return set;
    } catch (e) {
      await set.dispose();
      throw Object.assign(e as Error, { adapter: set.adapter });
    }
  }

  get broken(): boolean {
    return this.#failure !== null;
  }

  #lastWords(): string {
    const line = this.#stderr
      .trim()
      .split('\n')
      // Chromium's own complaints (D-Bus, sandbox, fonts) say nothing about the GPU.
      .filter((l) => /gpu|vulkan|webgpu|device lost|out of memory|crash/i.test(l) && !/dbus/i.test(l))
      .pop();
    return line ? `: ${line.slice(0, 200)}` : '';
  }

  #onMessage(msg: FromGpuPage): void {
    if (msg.type === 'lost') {
      this.#fail(new Error(`the GPU was lost (${msg.message})`));
      return;
    }
    if (msg.type !== 'reply') return;
    const pending = this.#pending.get(msg.id);
    if (!pending) return;
    this.#pending.delete(msg.id);
    if (msg.ok) pending.resolve(msg.value);
    else {
      // After an error on the GPU (an out-of-memory above all) the page is not to be trusted.
      this.#failure ??= new Error(msg.error);
      pending.reject(new Error(msg.error));
    }
  }

  #fail(error: Error): void {
    if (this.#closing) return;
    this.#failure ??= error;
    for (const p of this.#pending.values()) p.reject(this.#failure);
    this.#pending.clear();
  }

  call<K extends ReplicaOp>(_rank: number, req: Req<K>): Promise<ReplicaReply<K>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<ReplicaReply<K>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: ToGpuPage = { id, req: req as ToGpuPage['req'] };
      this.#socket!.send(encodeFrame(msg));
    });
  }

  async load(
    detector: DetectorConfig,
    source: WeightSource,
    optimizer: Partial<SgdOptions> | null,
  ): Promise<void> {
    await this.call(0, { op: 'load', detector, source, optimizer, gradients: null });
  }

  /** Ends the browser without a word, as a crash of its GPU process would (tests). */
  killForTest(): void {
    this.child.kill('SIGKILL');
  }

  async dispose(): Promise<void> {
    this.#closing = true;
    this.#socket?.close();
    const running = () => this.child.exitCode === null && this.child.signalCode === null;
    const exited = new Promise((r) => this.child.once('exit', r));
    const exitWithin = (ms: number) => Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
    // Chromium shuts down cleanly (its temporary files too) when its lifeline closes; the GPU host
    // and a browser that does not hear it get SIGTERM, then SIGKILL.
    if (running()) {
      (this.child.stdio[3] as Writable | null)?.end();
      await exitWithin(2000);
    }
    if (running()) {
      this.child.kill();
      await exitWithin(3000);
    }
    if (running()) this.child.kill('SIGKILL');
    await new Promise((r) => this.server.close(r));
    await removeProfile(this.profile);
  }
}
