// The HTTP side of serve mode in HTTP's own terms: a malformed request gets 400, a body over the limit
// 413, a method a route does not take 405 (with Allow), a body that is not JSON's media type 415.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request refused with a status and a one-line reason; never a stack trace. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 415,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The request target as a URL: only origin-form ("/path?query"), never "//host/..." or a full URL. */
export function requestUrl(target: string | undefined): URL {
  if (!target?.startsWith('/') || target.startsWith('//')) {
    throw new HttpError(400, 'Bad request: the request target is not a path');
  }
  try {
    return new URL(target, 'http://localhost');
  } catch {
    throw new HttpError(400, 'Bad request: malformed URL');
  }
}

/** A path segment decoded, or 400 for a malformed percent-encoding ("/%", "/%zz"). */
export function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'Bad request: malformed percent-encoding in the path');
  }
}

export function allowMethods(req: IncomingMessage, allowed: readonly string[]): void {
  if (!allowed.includes(req.method ?? '')) {
    throw new HttpError(405, `Method not allowed: ${allowed.join(' or ')} only`, {
      Allow: allowed.join(', '),
    });
  }
}

/** The media type of a Content-Type header, lower case, without parameters ("; charset=utf-8"). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requireJson(req: IncomingMessage): void {
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    throw new HttpError(415, 'Unsupported media type: send application/json');
  }
}

/** How much of a body over the limit is read and dropped before the 413, so that the client sees it. */
const DRAIN_BYTES = 4 * MAX_BODY_BYTES;

/**
 * The whole body, up to MAX_BODY_BYTES. A larger one is refused with 413 once it has been read and
 * dropped (a client still sending would not see an earlier answer), or at once when it is larger still.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > DRAIN_BYTES) {
      req.resume();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > DRAIN_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
      }
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function tooLarge(): HttpError {
  return new HttpError(413, `Request body too large (the limit is ${MAX_BODY_BYTES / 1024 / 1024} MB)`);
}

/** Sends an HttpError's status and reason. A 413 closes the connection, since the body may still come. */
export function sendHttpError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(e.status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(e.status === 413 ? { Connection: 'close' } : {}),
    ...e.headers,
  });
  res.end(`${e.message}\n`);
}
