import fc from 'fast-check';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { METHOD_NAMES } from '../../src-main/shared/contract';
import { startServe, type ServeProcess } from '../e2e/harness';
import { builtCli } from './support/bundle';

// The serve process as users run it, from the outside: whatever a client sends, it answers in HTTP's
// terms or ignores it, and goes on serving.

let serve: ServeProcess;
let port = 0;

beforeAll(async () => {
  await builtCli();
  serve = await startServe();
  port = Number(new URL(serve.url).port);
});
afterAll(() => serve?.stop());

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request exactly as written (method, target, headers), with a body streamed in chunks if given. */
function raw(
  method: string,
  target: string,
  headers: Record<string, string | number> = {},
  body?: { chunk: Buffer; times: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        headers: { Authorization: `Bearer ${serve.token}`, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (!body) return void req.end();
    let sent = 0;
    const pump = () => {
      while (sent < body.times) {
        sent++;
        if (!req.write(body.chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const systemInfo = async () => {
  const r = await raw('POST', '/api/system.info', { 'Content-Type': 'application/json' });
  return { status: r.status, ok: (JSON.parse(r.body) as { ok: boolean }).ok };
};

describe('serve answers in HTTP’s terms', () => {
  it('400 for a malformed percent-encoding or request target, never 500', async () => {
    for (const target of ['/%', '/%zz', '/assets/%E0%A4%A', '//evil.example/index.html']) {
      const r = await raw('GET', target);
      expect(r.status, target).toBe(400);
      expect(r.body.split('\n').filter(Boolean), target).toHaveLength(1);
    }
    expect((await raw('POST', '/api/%', { 'Content-Type': 'application/json' })).status).toBe(400);
    expect(serve.output()).not.toMatch(/URIError|at decodeURIComponent/);
  });

  it('413 for a body over 16 MB, declared or streamed, and the server goes on', async () => {
    const mb = Buffer.alloc(1024 * 1024, 0x20);
    const declared = await raw(
      'POST',
      '/api/system.info',
      { 'Content-Type': 'application/json', 'Content-Length': 17 * mb.length },
      { chunk: mb, times: 17 },
    );
    expect(declared.status).toBe(413);
    expect(declared.body).toBe('Request body too large (the limit is 16 MB)\n');
    const streamed = await raw(
      'POST',
      '/api/system.info',
      { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      { chunk: mb, times: 17 },
    );
    expect(streamed.status).toBe(413);
    expect(await systemInfo()).toEqual({ status: 200, ok: true });
  });

  it('405 with Allow for a method a route does not take', async () => {
    for (const [method, target, allow] of [
      ['POST', '/image/image/1', 'GET, HEAD'],
      ['DELETE', '/image/thumb/1', 'GET, HEAD'],
      ['PUT', '/index.html', 'GET, HEAD'],
      ['GET', '/api/system.info', 'POST'],
      ['DELETE', '/api/project.close', 'POST'],
    ] as const) {
      const r = await raw(method, target, { 'Content-Type': 'application/json' });
      expect(r.status, `${method} ${target}`).toBe(405);
      expect(r.headers.allow, `${method} ${target}`).toBe(allow);
    }
  });

  it('415 for a body that is not application/json; its parameters are fine', async () => {
    for (const type of ['application/jsonfoo', 'text/plain', 'application/json-patch+json', '']) {
      const r = await raw('POST', '/api/system.info', type ? { 'Content-Type': type } : {});
      expect(r.status, type).toBe(415);
    }
    const r = await raw('POST', '/api/system.info', { 'Content-Type': 'Application/JSON; charset=utf-8' });
    expect(r.status).toBe(200);
  });

  it('reads the Host header as a URL authority: user info, a path or another name is refused', async () => {
    for (const host of [
      `127.0.0.1:${port}@evil.example`,
      `localhost:${port}@evil.example:80`,
      `127.0.0.1:${port}/x`,
      `127.0.0.1:${port}\\@evil.example`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      `[::1]:${port}@evil.example`,
    ]) {
      expect((await raw('GET', '/', { Host: host })).status, host).toBe(401);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost:8765']) {
      expect((await raw('GET', '/', { Host: host })).status, host).toBe(200);
    }
  });
});

describe('the WebSocket', () => {
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${serve.token}`);
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
    });

  /** A call answered over a fresh socket: the server still works. */
  async function stillAnswers(): Promise<void> {
    const ws = await open();
    const reply = await new Promise<{ id: number; result: { ok: boolean } }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number; result: { ok: boolean } };
        if (m.id === 424242) resolve(m as { id: number; result: { ok: boolean } });
      });
      ws.send(JSON.stringify({ id: 424242, method: 'system.info', payload: {} }));
    });
    expect(reply.result.ok).toBe(true);
    ws.close();
  }

  /** The id the server answers to, as it reads a frame: a safe integer `id` of a JSON object. */
  function answeredId(text: string): number | null {
    try {
      const m = JSON.parse(text) as unknown;
      if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
      const id = (m as { id?: unknown }).id;
      return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
    } catch {
      return null;
    }
  }

  // Real method names whose bad payloads are refused (no training, no project made on the way).
  const SAFE_METHODS = METHOD_NAMES.filter(
    (m) => !/^(training|predictions|inspect)\.|openSample|^project\.(create|open)|dataset\./.test(m),
  );
  const ids = fc.oneof(
    { weight: 8, arbitrary: fc.integer() },
    fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e300, 1.5),
    fc.double(),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
  );
  const methods = fc.oneof(
    fc.constantFrom(...SAFE_METHODS),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'system.info '),
    fc.constantFrom({ toString: 1 }, { toString: null, valueOf: null }, [], ['system.info']),
    fc.string(),
    fc.anything(),
  );
  const payloads = fc.oneof(
    { weight: 10, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.string({ minLength: 200_000, maxLength: 400_000 }) },
  );
  const frames = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ id: ids, method: methods, payload: payloads }, { requiredKeys: [] })
        .map((f) => JSON.stringify(f)),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'null',
        '[]',
        '7',
        '"system.info"',
        '{"id":1,"method":{"toString":1}}',
        '{"id":2,"method":"__proto__","payload":{"__proto__":{"polluted":1}}}',
        '{"id":3,"method":"constructor"}',
        '{"id":4}',
        '{"id":5,"method":"system.info","payload":null}',
        '{',
      ),
    },
  );

  it(
    'answers or ignores 1,200 generated frames, and still serves afterwards',
    { timeout: 120_000 },
    async () => {
      const sample = fc.sample(frames, { numRuns: 1200, seed: 20260101 });
      const expected = new Map<number, number>();
      for (const text of sample) {
        const id = answeredId(text);
        if (id !== null) expected.set(id, (expected.get(id) ?? 0) + 1);
      }
      const ws = await open();
      const received = new Map<number, number>();
      let settle = () => {};
      const allAnswered = new Promise<void>((resolve) => (settle = resolve));
      const answered = () => [...expected].every(([id, n]) => received.get(id) === n);
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number };
        if (typeof m.id !== 'number') return; // an event
        received.set(m.id, (received.get(m.id) ?? 0) + 1);
        if (answered()) settle();
      });
      for (const [i, text] of sample.entries()) {
        ws.send(text);
        if (i % 100 === 0) ws.send(Buffer.from([0, 1, 2, 3]), { binary: true }); // ignored
      }
      if (!answered()) await allAnswered;
      expect(received).toEqual(expected);
      // Hundreds of the frames were calls to answer; the rest were dropped.
      expect([...expected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
      ws.close();

      // A frame that is not UTF-8 text, and one over the 16 MB limit, close that socket only.
      for (const bad of [Buffer.from([0xff, 0xfe, 0xfd]), Buffer.alloc(17 * 1024 * 1024, 0x61)]) {
        const socket = await open();
        const code = await new Promise<number>((resolve) => {
          socket.on('close', (c) => resolve(c));
          socket.on('error', () => {});
          socket.send(bad, { binary: false });
        });
        expect([1007, 1009]).toContain(code);
      }
      await stillAnswers();
      expect(await systemInfo()).toEqual({ status: 200, ok: true });
      expect(serve.child.exitCode).toBeNull();
    },
  );
});

describe('an unhandled rejection', () => {
  it('is logged, and the server goes on serving', async () => {
    const preload = path.resolve(__dirname, '../fixtures/serve/rejectOnSignal.cjs');
    const other = await startServe({ NODE_OPTIONS: `--require ${preload}` });
    try {
      other.child.kill('SIGUSR2');
      await expect.poll(() => other.output(), { timeout: 10_000 }).toContain('a rejection nobody handles');
      expect(other.output()).toContain(
        'serve: an operation failed and nothing was waiting for it; still serving.',
      );
      const r = await fetch(`${other.origin}/api/system.info`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${other.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(r.status).toBe(200);
      expect(other.child.exitCode).toBeNull();
    } finally {
      await other.stop();
    }
  });
});
