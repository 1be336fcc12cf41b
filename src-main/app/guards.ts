// The desktop shell's security checklist, in one place: every web contents locked to the app (not only
// the main window's), every permission denied, and the Content-Security-Policy on every response.
import { shell, type App, type Session, type WebContents } from 'electron';
import { APP_SCHEME } from '../shared/bridge';
import { CONTENT_SECURITY_POLICY } from '../shared/security';

export const RENDERER_ORIGIN = `${APP_SCHEME}://renderer`;

/** No navigation away from the app, no new windows, no webviews; http(s) links open in the user's browser. */
export function lockDown(wc: WebContents): void {
  wc.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${RENDERER_ORIGIN}/`)) event.preventDefault();
  });
  wc.on('will-redirect', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * The same rules for every web contents the app ever makes (a devtools page, a window a bug opens),
 * not only the main window: registered once, before any is created.
 */
export function lockDownEveryWebContents(app: App): void {
  app.on('web-contents-created', (_event, wc) => lockDown(wc));
}

/**
 * Electron grants every permission a page asks for unless told otherwise. The app needs none (no
 * camera, microphone, location, notifications, USB, HID, serial...), so every request and every check
 * is answered no.
 */
export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

/**
 * The Content-Security-Policy and nosniff on every response the session receives, whatever served it,
 * replacing any the response brought (in whatever letter case).
 */
export function securityHeadersOnEveryResponse(ses: Session): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const kept = Object.entries(details.responseHeaders ?? {}).filter(
      ([name]) => !/^(content-security-policy|x-content-type-options)$/i.test(name),
    );
    callback({
      responseHeaders: {
        ...Object.fromEntries(kept),
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}
