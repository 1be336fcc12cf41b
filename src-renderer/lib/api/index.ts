import type { DesktopBridge } from '../../../src-main/shared/bridge';
import type { ApiClient } from './client';
import { createIpcClient } from './ipcClient';
import { createWsClient } from './wsClient';

export { ApiError, type ApiClient } from './client';

declare global {
  interface Window {
    dwStudio?: DesktopBridge;
  }
}

/** Picks the transport: the preload bridge in the desktop app, else serve mode's WebSocket. */
export function connectApi(): ApiClient {
  if (window.dwStudio) return createIpcClient(window.dwStudio);
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    // The cookie now carries the token; keep it out of the address bar, history and screenshots.
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return createWsClient(window.location, token);
}
