import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { lockDown, RENDERER_ORIGIN } from './guards';

export { RENDERER_ORIGIN };

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
