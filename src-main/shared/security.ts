/**
 * The renderer's Content-Security-Policy, in one place: the serve-mode server sends it as a header and
 * the Electron shell sets it on every response of the window's session. No remote origins, no eval.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Svelte sets element styles at run time (style: directives); no remote or inline <style> sources.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: dws-image:",
  // The project's images are fetched as bytes too: the canvas decodes a scaled copy off the main thread.
  "connect-src 'self' dws-image:",
  "font-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
