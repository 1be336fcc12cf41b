import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh secret per launch; it rides in the printed URL, then in an HttpOnly, SameSite=Strict cookie. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieName(port: number): string {
  // Cookies ignore ports: two servers on one host must not overwrite each other's token.
  return `dws_token_${port}`;
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase());
}

/**
 * Host header check against DNS rebinding: only loopback names, on any port (SSH tunnels remap ports).
 * The header is parsed as a URL authority, as a browser would read it, and must be nothing else: user
 * info ("127.0.0.1:8765@evil.com" is evil.com to a parser), a path, a query or a fragment refuse it.
 */
export function hostHeaderAllowed(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  const onlyAuthority =
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '';
  return onlyAuthority && !/[/?#@\\]/.test(hostHeader) && isLoopbackHost(url.hostname);
}
