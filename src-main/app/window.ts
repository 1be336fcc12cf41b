import { BrowserWindow, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { APP_SCHEME } from '../shared/bridge';

export const RENDERER_ORIGIN = `${APP_SCHEME}://renderer`;

export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#16181d',
    title: 'DW Studio',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  lockDown(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${RENDERER_ORIGIN}/index.html`);
  return win;
}

/** The IPC sender check: a call counts only from the main window, from a page of the renderer's origin. */
export function trustedSender(window: () => BrowserWindow | null): (event: IpcMainInvokeEvent) => boolean {
  return (event) => {
    const win = window();
    return (
      win !== null &&
      event.sender === win.webContents &&
      (event.senderFrame?.url.startsWith(`${RENDERER_ORIGIN}/`) ?? false)
    );
  };
}

/** No navigation away from the app, no new windows; http(s) links open in the user's browser. */
function lockDown(wc: WebContents): void {
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
