import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Services } from '../services';
import { CONTENT_SECURITY_POLICY } from '../shared/security';
import { SOCKET_PATH } from '../shared/socket';
import {
  bearerToken,
  cookieName,
  hostHeaderAllowed,
  isLoopbackHost,
  newToken,
  readCookie,
  tokensEqual,
} from './auth';
import { createDispatch } from './dispatch';
import {
  allowMethods,
  decodePath,
  HttpError,
  MAX_BODY_BYTES,
  readBody,
  requestUrl,
  requireJson,
  sendHttpError,
} from './http';
import { contentTypeFor } from './mime';
import { attachSocket } from './socket';

export interface ServeOptions {
  services: Services;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Only tests pass a token; a launch makes a fresh one. */
  token?: string;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Serve mode: the same services behind HTTP (static renderer, images, POST /api/<method>) and a
 * WebSocket (calls and events), bound to loopback, every request gated by the launch token.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(
      `Refusing to listen on ${host}: serve mode listens on loopback only. ` +
        'To label from another machine, forward the port over SSH (ssh -L 8765:127.0.0.1:8765 workstation).',
    );
  }
  const token = options.token ?? newToken();
  const dispatch = createDispatch(options.services.handlers);
  const rendererDir = path.resolve(options.rendererDir);
  let port = options.port ?? 0;

  const authorized = (req: IncomingMessage, url: URL): boolean =>
    hostHeaderAllowed(req.headers.host) &&
    (tokensEqual(url.searchParams.get('token'), token) ||
      tokensEqual(bearerToken(req), token) ||
      tokensEqual(readCookie(req, cookieName(port)), token));

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = requestUrl(req.url);
    } catch (e) {
      return sendHttpError(res, e as HttpError);
    }
    if (!authorized(req, url)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(
        'Unauthorized: open the address that `dw-studio serve` printed; it carries the access token.\n',
      );
      return;
    }
    if (tokensEqual(url.searchParams.get('token'), token)) {
      res.setHeader('Set-Cookie', `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    handleRequest(req, res, url).catch((e: unknown) => {
      if (e instanceof HttpError) return sendHttpError(res, e);
      console.error('serve: request failed', e);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('Internal error\n');
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname;
    if (p.startsWith('/api/')) {
      allowMethods(req, ['POST']);
      requireJson(req);
      const method = decodePath(p.slice(5));
      const body = await readBody(req);
      let payload: unknown;
      try {
        payload = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        sendJson(res, 400, { ok: false, error: { code: 'invalid_request', message: 'Body is not JSON' } });
        return;
      }
      const envelope = await dispatch(method, payload, { transport: 'serve' });
      sendJson(res, 200, envelope);
      return;
    }
    allowMethods(req, ['GET', 'HEAD']);
    const image = /^\/image\/(image|thumb)\/(\d+)$/.exec(p);
    if (image) {
      const served = await options.services.resolveImage(image[1] as 'image' | 'thumb', Number(image[2]));
      if (!served) return notFound(res);
      await sendFile(res, served.path, 'private, max-age=300', served.contentType);
      return;
    }
    const rel = p === '/' ? 'index.html' : decodePath(p.slice(1));
    const file = path.resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + path.sep)) return notFound(res);
    await sendFile(res, file, rel === 'index.html' ? 'no-store' : 'no-cache');
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = safeUrl(req.url);
    const origin = req.headers.origin;
    const sameOrigin = !origin || safeHost(origin) === req.headers.host;
    if (url?.pathname !== SOCKET_PATH || !authorized(req, url) || !sameOrigin) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, dispatch, options.services.events));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function safeUrl(target: string | undefined): URL | null {
  try {
    return requestUrl(target);
  } catch {
    return null;
  }
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not found\n');
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}

async function sendFile(
  res: ServerResponse,
  file: string,
  cacheControl: string,
  contentType = contentTypeFor(file),
): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return notFound(res);
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': info.size,
    'Cache-Control': cacheControl,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve);
  });
}
