import { net, protocol, type Session } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Services } from '../services';
import { APP_SCHEME, IMAGE_SCHEME } from '../shared/bridge';
import { CONTENT_SECURITY_POLICY } from '../shared/security';

/** Must run before `app.whenReady()`. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    {
      scheme: IMAGE_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);
}

/**
 * `app://renderer/...` serves the built renderer, nothing above its folder.
 * `dws-image://image/<id>` and `dws-image://thumb/<id>` serve the open project's images and thumbnails,
 * nothing else: the path comes from the project database, never from the URL.
 */
export function handleProtocols(ses: Session, services: Services, rendererDir: string): void {
  const root = path.resolve(rendererDir);
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(root, rel);
    if (url.host !== 'renderer' || !file.startsWith(root + path.sep)) {
      return new Response('Not found', { status: 404 });
    }
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
  ses.protocol.handle(IMAGE_SCHEME, async (request) => {
    const url = new URL(request.url);
    const id = /^\/(\d+)$/.exec(url.pathname)?.[1];
    const kind = url.host === 'image' || url.host === 'thumb' ? url.host : null;
    const served = kind && id ? await services.resolveImage(kind, Number(id)) : null;
    if (!served) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(served.path).toString());
    // The type is the one the app checked the file to be, and the browser may not second-guess it.
    const headers = new Headers(response.headers);
    headers.set('Content-Type', served.contentType);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}
